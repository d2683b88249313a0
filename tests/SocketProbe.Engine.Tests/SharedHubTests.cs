using Xunit;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// The lease and linger rules TraceHub and WireHub share, on a hand-driven clock: no test sleeps.
/// </summary>
public class SharedHubTests
{
    /// <summary>A source whose items the test puts in; it counts its opens, pulls and closes.</summary>
    private sealed class FakeSource : IHubSource<(long Stamp, string Name)>
    {
        public readonly List<(long Stamp, string Name)> Pending = new();
        public long LostPending;
        public int Pulls;
        public bool LastSettle;
        public bool Disposed;

        public long Pull(List<(long Stamp, string Name)> into, bool settle)
        {
            Pulls++;
            LastSettle = settle;
            into.AddRange(Pending);
            Pending.Clear();
            long lost = LostPending;
            LostPending = 0;
            return lost;
        }

        public void Dispose() => Disposed = true;
    }

    /// <summary>Timers that fire only when the test advances the clock.</summary>
    private sealed class ManualTimers : TimeProvider
    {
        private readonly List<ManualTimer> _timers = new();
        private TimeSpan _now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state, dueTime, period);
            _timers.Add(timer);
            return timer;
        }

        public int Live => _timers.Count;

        public void Advance(TimeSpan by)
        {
            TimeSpan end = _now + by;
            // Fire in due order, a bounded number of times (a periodic timer fires once per period).
            for (int fired = 0; fired < 10_000; fired++)
            {
                ManualTimer? next = _timers.Where(t => t.Due <= end).MinBy(t => t.Due);
                if (next is null) break;
                _now = next.Due;
                if (next.Period == Timeout.InfiniteTimeSpan) _timers.Remove(next);
                else next.Due += next.Period;
                next.Callback(next.State);
            }
            _now = end;
        }

        private sealed class ManualTimer : ITimer
        {
            private readonly ManualTimers _owner;
            public readonly TimerCallback Callback;
            public readonly object? State;
            public TimeSpan Due;
            public TimeSpan Period;

            public ManualTimer(ManualTimers owner, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            {
                _owner = owner;
                Callback = callback;
                State = state;
                Due = owner._now + dueTime;
                Period = period;
            }

            public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();
            public void Dispose() => _owner._timers.Remove(this);
            public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
        }
    }

    private readonly ManualTimers _timers = new();
    private readonly List<FakeSource> _opened = new();
    private long _clock = 100;

    private SharedHub<FakeSource, (long Stamp, string Name), long> Hub(TimeSpan? drainEvery = null) =>
        new(() => { var s = new FakeSource(); _opened.Add(s); return s; }, item => item.Stamp, () => _clock,
            linger: TimeSpan.FromSeconds(2), drainEvery, _timers);

    [Fact]
    public void A_lease_sees_the_items_stamped_from_its_own_start_on()
    {
        var hub = Hub();
        using var first = hub.Acquire();
        _clock = 200;
        using var second = hub.Acquire();
        // Pulled after both leases began, but stamped before the second one's start.
        first.Source.Pending.AddRange(new[] { (150L, "before second"), (200L, "at second"), (250L, "after") });

        Assert.Equal(new[] { "before second", "at second", "after" }, first.Take().Select(i => i.Name));
        Assert.Equal(new[] { "at second", "after" }, second.Take().Select(i => i.Name));
        Assert.Single(_opened);
    }

    [Fact]
    public void TakeNew_gives_each_item_once_and_the_hub_lets_go_of_what_was_taken()
    {
        var hub = Hub();
        using var watch = hub.Acquire();
        watch.Source.Pending.AddRange(new[] { (_clock, "at start"), (_clock + 10, "a") });
        Assert.Equal(new[] { "at start", "a" }, watch.TakeNew().Select(i => i.Name));
        watch.Source.Pending.AddRange(new[] { (_clock + 10, "same stamp, later"), (_clock + 20, "b") });
        // A long watch takes as it goes: what it took is not held for it any more.
        Assert.Equal(new[] { "b" }, watch.TakeNew().Select(i => i.Name));
        Assert.Empty(watch.TakeNew());
        Assert.Equal(1, hub.HeldCount);
    }

    [Fact]
    public void What_is_older_than_every_lease_is_dropped()
    {
        var hub = Hub();
        var early = hub.Acquire();
        _clock = 200;
        using var late = hub.Acquire();
        late.Source.Pending.AddRange(new[] { (150L, "early's"), (250L, "both") });
        Assert.Single(late.Take());
        Assert.Equal(2, hub.HeldCount); // early's item is kept for early

        early.Dispose();
        Assert.Equal(1, hub.HeldCount);
        Assert.Equal(new[] { "both" }, late.Take().Select(i => i.Name));
    }

    [Fact]
    public void The_source_closes_only_a_linger_after_its_last_lease_ends()
    {
        var hub = Hub();
        var a = hub.Acquire();
        var b = hub.Acquire();
        a.Dispose();
        _timers.Advance(TimeSpan.FromSeconds(10));
        Assert.True(hub.IsOpen); // b still holds it

        b.Dispose();
        Assert.True(hub.IsOpen);
        Assert.Equal(0, hub.HeldCount);
        _timers.Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.True(hub.IsOpen);
        _timers.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(hub.IsOpen);
        Assert.True(_opened[0].Disposed);
        Assert.Equal(0, _timers.Live);
    }

    [Fact]
    public void A_lease_within_the_linger_keeps_the_same_source()
    {
        var hub = Hub();
        hub.Acquire().Dispose();
        _timers.Advance(TimeSpan.FromSeconds(1));
        using var again = hub.Acquire();
        _timers.Advance(TimeSpan.FromSeconds(10));
        Assert.True(hub.IsOpen);
        Assert.Single(_opened);
        Assert.False(_opened[0].Disposed);
    }

    [Fact]
    public void After_the_linger_a_new_lease_opens_a_new_source()
    {
        var hub = Hub();
        hub.Acquire().Dispose();
        _timers.Advance(TimeSpan.FromSeconds(2));
        using var again = hub.Acquire();
        Assert.Equal(2, _opened.Count);
        Assert.True(_opened[0].Disposed);
        Assert.Same(_opened[1], again.Source);
    }

    [Fact]
    public void CloseNow_closes_an_idle_source_and_leaves_a_held_one()
    {
        var hub = Hub();
        var lease = hub.Acquire();
        hub.CloseNow();
        Assert.True(hub.IsOpen);
        lease.Dispose();
        lease.Dispose(); // a second release is no release
        hub.CloseNow();
        Assert.False(hub.IsOpen);
        Assert.Equal(0, _timers.Live);
    }

    [Fact]
    public void Lost_counts_from_the_lease_start()
    {
        var hub = Hub();
        using var first = hub.Acquire();
        first.Source.LostPending = 3;
        using var second = hub.Acquire(); // pulls: the 3 were lost before it began
        first.Source.LostPending = 2;
        first.Take();
        Assert.Equal(5, first.Lost);
        Assert.Equal(2, second.Lost);
    }

    [Fact]
    public void Settle_reaches_the_source_and_a_drain_pulls_while_open()
    {
        var hub = Hub(drainEvery: TimeSpan.FromMilliseconds(200));
        var lease = hub.Acquire();
        FakeSource source = lease.Source;
        lease.Take(settle: true);
        Assert.True(source.LastSettle);

        int pulls = source.Pulls;
        _timers.Advance(TimeSpan.FromMilliseconds(1_000));
        Assert.Equal(pulls + 5, source.Pulls);
        Assert.False(source.LastSettle);

        lease.Dispose();
        _timers.Advance(TimeSpan.FromSeconds(2));
        Assert.False(hub.IsOpen);
        Assert.Equal(0, _timers.Live); // the drain stopped with the source
    }

    [Fact]
    public void A_source_that_fails_to_open_gives_no_lease_and_the_next_acquire_tries_again()
    {
        int tries = 0;
        var hub = new SharedHub<FakeSource, (long Stamp, string Name), long>(
            () => ++tries == 1 ? throw new InvalidOperationException("no ring") : new FakeSource(),
            item => item.Stamp, () => _clock, TimeSpan.FromSeconds(2), timers: _timers);
        Assert.Throws<InvalidOperationException>(() => hub.Acquire());
        Assert.False(hub.IsOpen);
        using var lease = hub.Acquire();
        Assert.True(hub.IsOpen);
        Assert.Equal(2, tries);
    }
}
