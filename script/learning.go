package script

import (
	"errors"
	"fmt"
	"math"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/encephagen/encephagen/engine/eprop"
	"github.com/encephagen/encephagen/engine/sim"
	"github.com/encephagen/encephagen/script/interp"
)

// Learning: reward-modulated e-prop (MODEL.md §4) as module "eprop". Each
// brain gets its own learner on first use; a brain that learns gets its
// own copy of the weights first (brains built alike share their network
// until then).

// learnerOf returns the brain's learner, making it (with p) when it has
// none.
func (b *Brain) learnerOf(p eprop.Params) (*eprop.Learner, error) {
	if b.learner != nil {
		return b.learner, nil
	}
	if b.shared {
		eprop.PrivateWeights(b.b)
		b.shared = false
	}
	l, err := eprop.New(b.b, p)
	if err != nil {
		return nil, err
	}
	b.learner, b.eparams = l, p
	return l, nil
}

// engineErr is an error of the learner's, headed by the builtin's name
// instead of the package's.
func engineErr(fn string, err error) error {
	if e, ok := errors.AsType[*eprop.Error](err); ok {
		return fmt.Errorf("%s: %s", fn, e.Msg)
	}
	return fmt.Errorf("%s: %v", fn, err)
}

// lockBrains takes the run locks of brains (learner methods must not run
// while a brain runs) and, when the operation changes them, checks they
// may. On a batch backend it brings them to the host (learners included),
// where the learners' state is current.
func lockBrains(s *interp.Session, fn string, brains []*Brain, changes bool) (unlock func(), err error) {
	for i, br := range brains {
		if changes && br.frozen {
			return nil, fmt.Errorf("%s: brain %d is frozen (a global of a loaded module, or captured by a pmap function)", fn, i)
		}
	}
	for i, br := range brains {
		if !br.mu.TryLock() {
			for _, o := range brains[:i] {
				o.mu.Unlock()
			}
			return nil, fmt.Errorf("%s: brain %d is being run by another thread", fn, i)
		}
	}
	sims := make([]*sim.Brain, len(brains))
	for i, br := range brains {
		sims[i] = br.b
	}
	if err := s.Backend.Host(sims); err != nil {
		for _, br := range brains {
			br.mu.Unlock()
		}
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	return func() {
		for _, br := range brains {
			br.mu.Unlock()
		}
	}, nil
}

// learners returns the learners of brains that have one, or an error
// naming the first that has none.
func learners(fn string, brains []*Brain) ([]*eprop.Learner, error) {
	out := make([]*eprop.Learner, len(brains))
	for i, br := range brains {
		if br.learner == nil {
			what := "the brain has"
			if len(brains) > 1 {
				what = fmt.Sprintf("brain %d has", i)
			}
			return nil, fmt.Errorf("%s: %s no learner; call eprop.enable first", fn, what)
		}
		out[i] = br.learner
	}
	return out, nil
}

func learnBatch(s *interp.Session, thread *starlark.Thread, ls []*eprop.Learner) *eprop.Batch {
	w := s.Workers
	if thread.Local(interp.WorkerKey) != nil {
		w = 1
	}
	return &eprop.Batch{Learners: ls, Workers: w}
}

func updateValue(u eprop.Update) starlark.Value {
	return starlarkstruct.FromStringDict(starlark.String("update"), starlark.StringDict{
		"reward": starlark.Float(u.Reward), "baseline": starlark.Float(u.Baseline), "factor": starlark.Float(u.Factor),
		"max_abs_dw": starlark.Float(u.MaxAbsDW), "mean_abs_dw": starlark.Float(u.MeanAbsDW),
		"changed": starlark.MakeInt(u.Changed), "clamped": starlark.MakeInt(u.Clamped),
	})
}

func statsValue(st eprop.Stats) starlark.Value {
	return starlarkstruct.FromStringDict(starlark.String("learning"), starlark.StringDict{
		"enabled": starlark.Bool(st.Enabled), "steps": starlark.MakeInt64(st.Steps),
		"max_abs_e": starlark.Float(st.MaxAbsE), "mean_abs_e": starlark.Float(st.MeanAbsE),
		"has_snapshot": starlark.Bool(st.HasSnap), "snapshot_max_e": starlark.Float(st.SnapMaxE),
		"snapshot_mean_e": starlark.Float(st.SnapMeanE), "baseline": starlark.Float(st.Baseline),
		"last": updateValue(st.Last),
	})
}

// perBrain returns one value for a brain, a tuple for several.
func perBrain(single bool, vals []starlark.Value) starlark.Value {
	if single {
		return vals[0]
	}
	return starlark.Tuple(vals)
}

// withLearners holds the brains (no run() on another thread meanwhile)
// and hands their learners to op, whose errors come back as they are.
func withLearners(s *interp.Session, fn string, brains []*Brain, op func(ls []*eprop.Learner) error) error {
	unlock, err := lockBrains(s, fn, brains, true)
	if err != nil {
		return err
	}
	defer unlock()
	ls, err := learners(fn, brains)
	if err != nil {
		return err
	}
	return op(ls)
}

func learnTargets(thread *starlark.Thread, fn string, v starlark.Value) (*interp.Session, []*Brain, bool, error) {
	s, err := interp.SessionOf(thread, fn)
	if err != nil {
		return nil, nil, false, err
	}
	brains, single, err := targets(fn, v)
	return s, brains, single, err
}

func eEnable(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var target starlark.Value
	fresh := true
	d := eprop.Defaults()
	lr, tauE, gamma, wmin, wmax, decay := interp.Number(d.LearningRate), interp.Number(d.TauEMs), interp.Number(d.Gamma), interp.Number(d.WMinMV), interp.Number(d.WMaxMV), interp.Number(d.RewardDecay)
	if err := interp.Bind(fn, args, kw, &target, &fresh, &lr, &tauE, &gamma, &wmin, &wmax, &decay); err != nil {
		return nil, err
	}
	p := d
	p.LearningRate, p.TauEMs, p.Gamma = float64(lr), float64(tauE), float64(gamma)
	p.WMinMV, p.WMaxMV, p.RewardDecay = float64(wmin), float64(wmax), float64(decay)
	if err := p.Validate(); err != nil {
		return nil, engineErr(fn, err)
	}
	s, brains, _, err := learnTargets(thread, fn, target)
	if err != nil {
		return nil, err
	}
	unlock, err := lockBrains(s, fn, brains, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ls := make([]*eprop.Learner, len(brains))
	for i, br := range brains {
		if br.learner != nil && br.eparams != p {
			if !fresh {
				return nil, fmt.Errorf("%s: brain %d learns with other parameters; resuming (fresh=False) keeps them, so give none or start fresh", fn, i)
			}
			br.learner.Disable()
			br.learner = nil
		}
		if ls[i], err = br.learnerOf(p); err != nil {
			return nil, engineErr(fn, err)
		}
	}
	bt := learnBatch(s, thread, ls)
	if fresh {
		err = bt.Enable()
	} else {
		err = bt.Resume()
	}
	if err != nil {
		return nil, engineErr(fn, err)
	}
	return starlark.None, nil
}

// simple runs a per-learner operation returning nothing.
func learnOp(op func(thread *starlark.Thread, s *interp.Session, ls []*eprop.Learner) error) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		fn := b.Name()
		var target starlark.Value
		if err := interp.Bind(fn, args, kw, &target); err != nil {
			return nil, err
		}
		s, brains, _, err := learnTargets(thread, fn, target)
		if err != nil {
			return nil, err
		}
		return starlark.None, withLearners(s, fn, brains, func(ls []*eprop.Learner) error {
			if err := op(thread, s, ls); err != nil {
				return engineErr(fn, err)
			}
			return nil
		})
	}
}

func eReward(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var target, rv starlark.Value
	var regionsV starlark.Value = starlark.None
	trace := ""
	if err := interp.Bind(fn, args, kw, &target, &rv, &trace, &regionsV); err != nil {
		return nil, err
	}
	var from eprop.Trace
	switch trace {
	case "snapshot":
		from = eprop.FromSnapshot
	case "current":
		from = eprop.FromCurrent
	default:
		return nil, fmt.Errorf("%s: trace must be \"snapshot\" (the copy taken by eprop.snapshot, as the research report describes) or \"current\" (the eligibility now, as the reference code's final version does), got %q", fn, trace)
	}
	s, brains, single, err := learnTargets(thread, fn, target)
	if err != nil {
		return nil, err
	}
	var rs []float64
	var one interp.Number
	if err := one.Unpack(rv); err == nil {
		rs = make([]float64, len(brains))
		for i := range rs {
			rs[i] = float64(one)
		}
	} else if rs, err = toFloats(fn, "r", rv); err != nil {
		return nil, fmt.Errorf("%s: for parameter r: got %s, want a number or one number per brain", fn, rv.Type())
	} else if len(rs) != len(brains) {
		return nil, fmt.Errorf("%s: r has %d rewards for %d brains", fn, len(rs), len(brains))
	}
	for i, r := range rs {
		if !(math.Abs(r) <= eprop.MaxReward) {
			name := "r"
			if len(rs) > 1 || !single {
				name = fmt.Sprintf("r[%d]", i)
			}
			return nil, interp.RangeError(fn, name, fmt.Sprintf("in [-%g, %g]", eprop.MaxReward, eprop.MaxReward), r)
		}
	}
	// A local reward: regions resolved against each brain's connectome.
	var regions [][]int
	if regionsV != nil && regionsV != starlark.None {
		for _, br := range brains {
			g, err := br.conn.regions(fn, "regions", regionsV)
			if err != nil {
				return nil, err
			}
			if len(g) == 0 {
				return nil, fmt.Errorf("%s: regions selects no region (give at least one, or omit regions for a global reward)", fn)
			}
			regions = append(regions, g)
		}
	}
	var vals []starlark.Value
	err = withLearners(s, fn, brains, func(ls []*eprop.Learner) error {
		var ups []eprop.Update
		var err error
		if regions != nil {
			ups, err = learnBatch(s, thread, ls).RewardEachRegions(rs, from, regions)
		} else {
			ups, err = learnBatch(s, thread, ls).RewardEach(rs, from)
		}
		if err != nil {
			return engineErr(fn, err)
		}
		for _, u := range ups {
			vals = append(vals, updateValue(u))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return perBrain(single, vals), nil
}

func eStats(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var target starlark.Value
	if err := interp.Bind(fn, args, kw, &target); err != nil {
		return nil, err
	}
	s, brains, single, err := learnTargets(thread, fn, target)
	if err != nil {
		return nil, err
	}
	unlock, err := lockBrains(s, fn, brains, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ls, err := learners(fn, brains)
	if err != nil {
		return nil, err
	}
	st := learnBatch(s, thread, ls).Stats()
	vals := make([]starlark.Value, len(st))
	for i, x := range st {
		vals[i] = statsValue(x)
	}
	return perBrain(single, vals), nil
}

func eEligibility(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var br *Brain
	snapshot := false
	if err := interp.Bind(fn, args, kw, &br, &snapshot); err != nil {
		return nil, err
	}
	s, err := interp.SessionOf(thread, fn)
	if err != nil {
		return nil, err
	}
	var src []float32
	err = withLearners(s, fn, []*Brain{br}, func(ls []*eprop.Learner) error {
		if !snapshot {
			src = ls[0].Eligibility(nil)
		} else if src = ls[0].SnapshotTrace(); src == nil {
			return fmt.Errorf("%s: no snapshot is pending", fn)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(src))
	for i, x := range src {
		out[i] = float64(x)
	}
	return NewArray(out), nil
}

func eSupervise(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var target, outV starlark.Value
	fseed := interp.Seed(0)
	std := interp.Number(0.01)
	if err := interp.Bind(fn, args, kw, &target, &outV, &fseed, &std); err != nil {
		return nil, err
	}
	outs, err := toInts(fn, "outputs", outV)
	if err != nil {
		return nil, err
	}
	if !(std > 0 && std <= 1000) {
		return nil, interp.RangeError(fn, "feedback_std", "in (0, 1000]", float64(std))
	}
	s, brains, _, err := learnTargets(thread, fn, target)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	for k, o := range outs {
		if o < 0 || o >= brains[0].b.Net.N {
			return nil, fmt.Errorf("%s: outputs[%d] must be a neuron index in [0, %d), got %d", fn, k, brains[0].b.Net.N, o)
		}
		if seen[o] {
			return nil, fmt.Errorf("%s: outputs[%d] = %d appears twice", fn, k, o)
		}
		seen[o] = true
	}
	return starlark.None, withLearners(s, fn, brains, func(ls []*eprop.Learner) error {
		for _, l := range ls {
			if err := l.Supervise(eprop.Supervision{Outputs: outs, FeedbackSeed: uint64(fseed), FeedbackStd: float64(std)}); err != nil {
				return engineErr(fn, err)
			}
		}
		return nil
	})
}

func ePresent(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var target, tv starlark.Value
	if err := interp.Bind(fn, args, kw, &target, &tv); err != nil {
		return nil, err
	}
	rows, err := toMatrix(fn, "spikes", tv)
	if err != nil {
		return nil, err
	}
	spikes := make([][]bool, len(rows))
	for s, row := range rows {
		spikes[s] = make([]bool, len(row))
		for k, x := range row {
			if x != 0 && x != 1 {
				return nil, fmt.Errorf("%s: spikes[%d][%d] must be 0 or 1, got %s", fn, s, k, interp.FormatFloat(x))
			}
			spikes[s][k] = x == 1
		}
	}
	s, brains, _, err := learnTargets(thread, fn, target)
	if err != nil {
		return nil, err
	}
	return starlark.None, withLearners(s, fn, brains, func(ls []*eprop.Learner) error {
		for _, l := range ls {
			if err := l.Present(spikes); err != nil {
				return engineErr(fn, err)
			}
		}
		return nil
	})
}

func eApply(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	fn := b.Name()
	var target starlark.Value
	if err := interp.Bind(fn, args, kw, &target); err != nil {
		return nil, err
	}
	s, brains, single, err := learnTargets(thread, fn, target)
	if err != nil {
		return nil, err
	}
	var vals []starlark.Value
	err = withLearners(s, fn, brains, func(ls []*eprop.Learner) error {
		for _, l := range ls {
			u, err := l.ApplySupervised()
			if err != nil {
				return engineErr(fn, err)
			}
			vals = append(vals, updateValue(u))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return perBrain(single, vals), nil
}

func init() {
	d := eprop.Defaults()
	interp.DeclValue("eprop", "learning", "eprop",
		"Reward-modulated e-prop (MODEL.md §4) on brains and batches: eprop.enable, eprop.disable, eprop.snapshot, "+
			"eprop.reward, eprop.stats, eprop.eligibility, and the supervised variant (eprop.supervise, eprop.present, "+
			"eprop.apply_supervised). Every synapse is plastic; a brain that learns gets its own copy of its weights.", nil)
	interp.Decl("eprop.enable", "learning",
		fmt.Sprintf("eprop.enable(target, fresh=True, learning_rate=%s, tau_e_ms=%s, gamma=%s, w_min_mv=%s, w_max_mv=%s, reward_decay=%s)",
			interp.FormatFloat(d.LearningRate), interp.FormatFloat(d.TauEMs), interp.FormatFloat(d.Gamma), interp.FormatFloat(d.WMinMV), interp.FormatFloat(d.WMaxMV), interp.FormatFloat(d.RewardDecay)),
		`Turns learning on for a brain or every brain of a batch. fresh=True starts fresh traces, baseline and
snapshot (the reference's "fresh learner"); fresh=False resumes with the traces kept by eprop.disable (a test
between trials). The parameters (defaults of Exp 22/23) are fixed per brain: enabling fresh with others
makes a new learner.`, eEnable)
	interp.Decl("eprop.disable", "learning", "eprop.disable(target)",
		"Turns learning off: traces stop updating and are kept for eprop.enable(fresh=False) and inspection.",
		learnOp(func(th *starlark.Thread, s *interp.Session, ls []*eprop.Learner) error {
			learnBatch(s, th, ls).Disable()
			return nil
		}))
	interp.Decl("eprop.snapshot", "learning", "eprop.snapshot(target)",
		"Copies every synapse's eligibility now (at the end of the conditioned stimulus); the next eprop.reward(..., trace=\"snapshot\") uses the copy.",
		learnOp(func(th *starlark.Thread, s *interp.Session, ls []*eprop.Learner) error {
			return learnBatch(s, th, ls).Snapshot()
		}))
	interp.Decl("eprop.reward", "learning", "eprop.reward(target, r, trace, regions=None)",
		`Applies reward r (a number, or one per brain of a batch): the baseline first, b = decay·b + (1−decay)·r,
then W = clamp(W + lr·(r − b)·E, w_min, w_max) for every synapse. trace names E, and must be given:
"snapshot" (the copy from eprop.snapshot, as the research report describes; it is consumed) or "current"
(the eligibility now, as the reference code's final version does). regions (a group name, region label,
index, or a list of them) makes the reward local, dopamine-like: only synapses onto neurons of those
regions change; the baseline is updated as for a global reward; every region gives the global reward
bit for bit. Returns the update, struct(reward, baseline, factor, max_abs_dw, mean_abs_dw, changed,
clamped), or a tuple of them for a batch.`, eReward)
	interp.Decl("eprop.stats", "learning", "eprop.stats(target)",
		"The learner's state: struct(enabled, steps, max_abs_e, mean_abs_e, has_snapshot, snapshot_max_e, snapshot_mean_e, baseline, last) with last the last update; a tuple for a batch.",
		eStats)
	interp.Decl("eprop.eligibility", "learning", "eprop.eligibility(brain, snapshot=False)",
		"Every synapse's eligibility now (or the pending snapshot's), as an array in the brain's synapse order.",
		eEligibility)
	interp.Decl("eprop.supervise", "learning", "eprop.supervise(target, outputs, feedback_seed=0, feedback_std=0.01)",
		"Sets up the supervised variant: a fixed random feedback matrix B ~ N(0, feedback_std²) from feedback_seed sends each output neuron's error (outputs: neuron indices) to every neuron as its learning signal.",
		eSupervise)
	interp.Decl("eprop.present", "learning", "eprop.present(target, spikes)",
		"Starts a supervised presentation: spikes (steps × outputs of 0/1, a 2-D array or list of lists) is the target spike train of the outputs from the next step on; eprop.apply_supervised ends it.",
		ePresent)
	interp.Decl("eprop.apply_supervised", "learning", "eprop.apply_supervised(target)",
		"Ends the presentation and applies W = clamp(W − lr·G, w_min, w_max), G the accumulated learning signal × eligibility. Returns the update (a tuple for a batch).",
		eApply)
}
