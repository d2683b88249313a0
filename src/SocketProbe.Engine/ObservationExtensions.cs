namespace SocketProbe.Engine;

public static class ObservationExtensions
{
    /// <summary>Append a sentence to an observation's Note (keeps a TimedOut note that is already there).</summary>
    public static Observation WithNote(this Observation observation, string? note)
    {
        if (!string.IsNullOrEmpty(note))
            observation.Note = string.IsNullOrEmpty(observation.Note) ? note : $"{observation.Note}; {note}";
        return observation;
    }
}
