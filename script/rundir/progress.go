package rundir

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// Progress tracks a run for the people watching it: units done of the
// total that run_units declared, the phase the script last named, brain
// steps simulated, and from those the speed, the real-time factor and an
// estimate of the time left. On a terminal it is one live line on stderr;
// otherwise a plain line every plainEvery.
type Progress struct {
	steps      atomic.Int64 // brain-steps simulated
	simMicros  atomic.Int64 // simulated time summed over brains, µs
	unitsTotal atomic.Int64
	unitsDone  atomic.Int64 // computed in this execution
	unitsSkip  atomic.Int64 // reused from an earlier one
	phase      atomic.Value // string

	// The units' own timings, for the time left: how long computed
	// units took, which are running since when, and how many run at once.
	unitMu      sync.Mutex
	unitWall    time.Duration // summed over computed units
	unitTimed   int64         // computed units timed
	inflight    map[int64]time.Time
	nextUnit    int64
	unitWorkers int

	start time.Time
	out   io.Writer
	live  bool
	stop  chan struct{}
	done  sync.WaitGroup
}

const (
	liveEvery  = 500 * time.Millisecond
	plainEvery = 30 * time.Second
)

// NewProgress reports to out (a terminal gets a live line).
func NewProgress(out io.Writer) *Progress {
	p := &Progress{out: out, start: time.Now(), stop: make(chan struct{})}
	p.phase.Store("")
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.live = true
	}
	return p
}

// AddSteps is the brains' Progress hook: n steps of dtMs simulated.
func (p *Progress) AddSteps(n int, dtMs float64) {
	p.steps.Add(int64(n))
	p.simMicros.Add(int64(float64(n) * dtMs * 1000))
}

// SetPhase names what the script does now.
func (p *Progress) SetPhase(s string) { p.phase.Store(s) }

// Steps is the number of brain steps simulated so far.
func (p *Progress) Steps() int64 { return p.steps.Load() }

// AddUnits adds n to the units the run will do.
func (p *Progress) AddUnits(n int) { p.unitsTotal.Add(int64(n)) }

// UnitsBegin says that units are about to run, workers at a time.
func (p *Progress) UnitsBegin(workers int) {
	p.unitMu.Lock()
	p.unitWorkers = max(1, workers)
	if p.inflight == nil {
		p.inflight = map[int64]time.Time{}
	}
	p.unitMu.Unlock()
}

// UnitStart marks a unit started at now; UnitEnd(id, now, computed) its
// end (a reused unit does not count towards the time a unit takes, nor
// towards the units done in this execution).
func (p *Progress) UnitStart(now time.Time) int64 {
	p.unitMu.Lock()
	defer p.unitMu.Unlock()
	if p.inflight == nil {
		p.inflight = map[int64]time.Time{}
	}
	p.nextUnit++
	p.inflight[p.nextUnit] = now
	return p.nextUnit
}

func (p *Progress) UnitEnd(id int64, now time.Time, computed, reused bool) {
	switch {
	case reused:
		p.unitsSkip.Add(1)
	case computed:
		p.unitsDone.Add(1)
	}
	p.unitMu.Lock()
	defer p.unitMu.Unlock()
	if computed {
		p.unitWall += now.Sub(p.inflight[id])
		p.unitTimed++
	}
	delete(p.inflight, id)
}

// eta estimates the time left at now. From the units' own timings: the
// mean time of a computed unit times the units left, less what the
// running ones have done, shared among the units that run at once (so
// that neither the time before run_units nor a first batch finishing
// together skews it). Without timings: the wall time per unit so far.
func (p *Progress) eta(now time.Time) (time.Duration, bool) {
	total, done, skip := p.unitsTotal.Load(), p.unitsDone.Load(), p.unitsSkip.Load()
	left := total - done - skip
	if total == 0 || done == 0 || left <= 0 {
		return 0, false
	}
	p.unitMu.Lock()
	defer p.unitMu.Unlock()
	if p.unitTimed == 0 {
		return time.Duration(float64(now.Sub(p.start)) / float64(done) * float64(left)), true
	}
	mean := p.unitWall / time.Duration(p.unitTimed)
	var running time.Duration
	for _, t := range p.inflight {
		running += min(now.Sub(t), mean)
	}
	w := time.Duration(max(1, min(int64(p.unitWorkers), left)))
	return max(0, (mean*time.Duration(left)-running)/w), true
}

// Start prints until Close.
func (p *Progress) Start() {
	every := plainEvery
	if p.live {
		every = liveEvery
	}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				if p.live {
					fmt.Fprint(p.out, "\r\033[K")
				}
				return
			case <-t.C:
				line := p.line()
				if p.live {
					fmt.Fprintf(p.out, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(p.out, line)
				}
			}
		}
	}()
}

// Close stops the reports.
func (p *Progress) Close() {
	close(p.stop)
	p.done.Wait()
}

// line is the progress report at this moment.
func (p *Progress) line() string {
	wall := time.Since(p.start)
	steps := p.steps.Load()
	simS := float64(p.simMicros.Load()) / 1e6
	s := ""
	total, done, skip := p.unitsTotal.Load(), p.unitsDone.Load(), p.unitsSkip.Load()
	if total > 0 {
		s = fmt.Sprintf("units %d/%d", done+skip, total)
		if skip > 0 {
			s += fmt.Sprintf(" (%d reused)", skip)
		}
		s += " | "
	}
	if ph, _ := p.phase.Load().(string); ph != "" {
		s += ph + " | "
	}
	s += fmt.Sprintf("%.1f s simulated | %.0f steps/s | real-time factor %.3f",
		simS, float64(steps)/wall.Seconds(), simS/wall.Seconds())
	if left, ok := p.eta(time.Now()); ok {
		s += " | ETA " + left.Round(time.Second).String()
	}
	return s + " | " + wall.Round(time.Second).String()
}
