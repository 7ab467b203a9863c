// Package kabi is the one description of the interface between the Go
// side of the CUDA backend (package gpu) and its kernels
// (gpu/kernels/step.cu): every kernel, the order and C type of every
// kernel parameter, and the fields of every record the kernels read.
//
// From this table the generator (go generate ./gpu, which runs
// ./internal/kabi/gen) writes gpu/abi_gen.go — the Go records written to
// device memory, the argument slots of every launch, the kernel names —
// and gpu/emu/abi.h — the driver emulator's argument unpacking, kernel
// table and compile-time checks of step.cu's record layouts and kernel
// types. Check compares the table with step.cu's declarations and with
// the committed PTX's entry parameter lists; gpu's TestKernelABI runs it
// and regenerates both files to compare them with the committed ones.
//
// step.cu itself is not generated: its text is hashed into
// kernels/PTX.sum, and the PTX cannot be rebuilt without nvcc, so the
// kernels' declarations stay written out in step.cu and are checked
// against this table field by field and parameter by parameter.
package kabi

// Param is one kernel parameter.
type Param struct {
	C    string // its name in step.cu
	Go   string // the Go constant naming its slot in the argument array
	Type string // its C type as step.cu spells it: "const Task *", "u64"
}

// Signature is a parameter list that several kernels share (step.cu
// declares it once, as a macro).
type Signature struct {
	Macro  string // step.cu's macro holding the parameter list
	Names  string // step.cu's macro listing the parameter names ("" if none)
	Count  string // the Go constant counting the parameters
	Go     string // the Go constant naming the signature (kernelSig's values)
	Doc    string
	Params []Param
}

// Kernel is one extern "C" __global__ function of step.cu.
type Kernel struct {
	Name string // as in step.cu and the PTX's .entry
	Go   string // the Go constant naming it (an index into kernelNames)
	Sig  string // its Signature's Macro
}

// Field is one field of a record (Go "_" for padding).
type Field struct {
	C    string
	Go   string
	Type string // u32, float (4-byte records) or u64, double (8-byte ones)
	N    int    // array length; 0 for a scalar
	Doc  string
}

// Struct is a record the kernels read: a C struct in step.cu and the Go
// struct written to device memory as flat words.
type Struct struct {
	C      string // the C struct's name
	Go     string // the Go type's name
	Words  string // the Go constant: the record's size in words
	Doc    string
	Fields []Field
}

// Const is a constant step.cu #defines and the Go side uses.
type Const struct {
	C     string // the macro
	Go    string // the Go constant
	Value uint64
	Doc   string
}

// Table is the whole interface.
type Table struct {
	Consts     []Const
	Structs    []Struct
	Signatures []Signature
	Kernels    []Kernel
}

func p(c, goName, typ string) Param { return Param{C: c, Go: goName, Type: typ} }

func f(c, goName, typ, doc string) Field { return Field{C: c, Go: goName, Type: typ, Doc: doc} }

func pad(c, typ string, n int) Field { return Field{C: c, Go: "_", Type: typ, N: n} }

// ABI is the table of gpu/kernels/step.cu.
var ABI = Table{
	Consts: []Const{
		{"MAX_BLOCK", "maxBlock", 1024, "the most threads a block may have (the kernels' shared arrays)"},
		{"SENTINEL", "sentinel", 0xffffffff, "ends a postsynaptic neuron's column of a pathway"},
		{"FLAG_ALIF", "flagALIF", 1, "brainRecord.Flags: the brain's neurons adapt"},
		{"RUN_EXT", "runExt", 1, "per-run flags: the brain has external input"},
		{"RUN_RASTER", "runRaster", 2, "its recorder keeps a raster"},
		{"RUN_BINS", "runBins", 4, "its recorder keeps region bins"},
		{"RUN_LEARN", "runLearn", 8, "it learns: the neuron update keeps its pre-reset v"},
	},
	Structs: []Struct{
		{C: "Brain", Go: "brainRecord", Words: "brainWords",
			Doc: "brainRecord holds one brain's constants, all in the precision of the\nstate (float32), computed exactly as sim.NewBrain computes them.",
			Fields: []Field{
				f("neuron_off", "NeuronOff", "u32", "global index of the brain's first neuron"),
				f("region_off", "RegionOff", "u32", "global index of the brain's first region"),
				f("word_off", "WordOff", "u32", "global index of the brain's first spike word"),
				f("npr", "NPR", "u32", "neurons per region"),
				f("words", "Words", "u32", "spike words per region, ⌈npr/32⌉"),
				f("draws", "Draws", "u32", "background draws per region per step, ⌈npr/2⌉"),
				f("poisson_off", "PoissonOff", "u32", "offset of the brain's Poisson table"),
				f("poisson_last", "PoissonLast", "u32", "length of that table − 1"),
				f("flags", "Flags", "u32", "flagALIF"),
				pad("pad0", "u32", 0),
				f("jeff", "JEff", "float", ""),
				f("dt_over_tau", "DtOverTau", "float", ""),
				f("vth", "VTh", "float", ""),
				f("vreset", "VReset", "float", ""),
				f("tref", "TRef", "float", ""),
				f("dt", "Dt", "float", ""),
				f("decay_syn", "DecaySyn", "float", ""),
				f("decay_nmda", "DecayNMDA", "float", ""),
				f("nmda_ratio", "NMDARatio", "float", ""),
				f("beta", "Beta", "float", ""),
				f("rho", "Rho", "float", ""),
				pad("pad1", "u32", 3),
			}},
		{C: "Task", Go: "task", Words: "taskWords",
			Doc: "task is the work of one thread block: a chunk of up to Block neurons of\none region of one brain. The same block delivers the synaptic input of\nthose neurons (as postsynaptic targets) and advances them.",
			Fields: []Field{
				f("brain", "Brain", "u32", ""),
				f("region", "Region", "u32", "global region index (stamps, region counts)"),
				f("local_region", "LocalRegion", "u32", "region index inside the brain"),
				f("first", "First", "u32", "first neuron of the chunk inside the region (a multiple of 32)"),
				f("path_start", "PathStart", "u32", "the region's pathways: [PathStart, PathEnd)"),
				f("path_end", "PathEnd", "u32", ""),
				pad("pad", "u32", 2),
			}},
		{C: "Path", Go: "path", Words: "pathWords",
			Doc: "path is one group of a region's incoming synapses: every synapse from\nsource region Src with delay Delay. A region's pathways are sorted by\ndelay descending, then source region ascending, which is emission step\nascending, then presynaptic neuron ascending: the summation order that\nMODEL.md and the CPU engine fix. Inside a pathway, postsynaptic neuron k\nfinds its synapses at EntryBase + row·npr + k for row = 0, 1, ... until a\nsentinel or Rows, with presynaptic neurons ascending.",
			Fields: []Field{
				f("src", "Src", "u32", "global index of the source region"),
				f("delay", "Delay", "u32", "steps"),
				f("src_word", "SrcWord", "u32", "global index of the source region's first spike word"),
				f("entry_base", "EntryBase", "u32", ""),
				f("rows", "Rows", "u32", ""),
				pad("pad", "u32", 3),
			}},
		{C: "LearnRec", Go: "learnRecord", Words: "learnWords",
			Doc: "learnRecord is one brain's LIF learning record (learn.go).",
			Fields: []Field{
				f("start_off", "StartOff", "u64", "offset of the brain's CSR starts"),
				f("syn_off", "SynOff", "u64", "offset of its synapses"),
				f("K", "K", "u64", "epoch length"),
				f("tab_off", "TabOff", "u64", "offset of its tables dA, wS, κ^k, α^k"),
				f("base", "Base", "u64", "the step its epochs count from (two's complement)"),
				f("on", "On", "u64", "1 when the brain learns with LIF"),
				f("vth_bits", "VthBits", "u64", "v_th as float64 bits"),
				f("inv_vth_bits", "InvVthBits", "u64", "1/v_th as float64 bits"),
			}},
		{C: "AlifRec", Go: "alifRecord", Words: "alifWords",
			Doc: "alifRecord is one brain's ALIF learning record (learn.go).",
			Fields: []Field{
				f("start_off", "StartOff", "u64", "offset of the brain's CSR starts"),
				f("syn_off", "SynOff", "u64", "offset of its synapses"),
				f("B", "B", "u64", "block length"),
				f("tab_off", "TabOff", "u64", "offset of its tables α^k, κ^k"),
				f("base", "Base", "u64", "the step its blocks count from (two's complement)"),
				f("on", "On", "u64", "1 when the brain learns with ALIF"),
				f("hist_off", "HistOff", "u64", "offset of its share of the ψ history"),
				f("spk_off", "SpkOff", "u64", "offset of its share of the spike words"),
				f("wb", "WB", "u64", "its spike words per step"),
				f("alpha", "Alpha", "double", "α"),
				f("kappa", "Kappa", "double", "κ"),
				f("rho", "Rho", "double", "ρ"),
				f("beta", "Beta", "double", "β"),
				f("gamma", "Gamma", "double", "γ"),
				f("inv_vth", "InvVth", "double", "1/v_th"),
				f("c1", "C1", "double", "(1−κ)(1−β)"),
				f("cb", "CB", "double", "(1−κ)β"),
				f("oma", "OMA", "double", "1−α"),
				f("N", "N", "u64", "the brain's neurons"),
				pad("pad", "u64", 0),
			}},
	},
	Signatures: []Signature{
		{Macro: "KERNEL_ARGS", Names: "KERNEL_ARG_NAMES", Count: "numArgs", Go: "sigStep",
			Doc: "The step kernels' arguments (step.cu's KERNEL_ARGS), in order.",
			Params: []Param{
				p("tasks", "argTasks", "const Task *"),
				p("brains", "argBrains", "const Brain *"),
				p("paths", "argPaths", "const Path *"),
				p("epre", "argEPre", "const u32 *"),
				p("ew", "argEW", "const float *"),
				p("hist", "argHist", "u32 *"),
				p("stamps", "argStamps", "u64 *"),
				p("seeds", "argSeeds", "const u64 *"),
				p("poisson", "argPoisson", "const u32 *"),
				p("nmda", "argNMDA", "const unsigned char *"),
				p("V", "argV", "float *"),
				p("ISyn", "argISyn", "float *"),
				p("INMDA", "argINMDA", "float *"),
				p("Refrac", "argRefrac", "float *"),
				p("A", "argA", "float *"),
				p("counts", "argCounts", "u32 *"),
				p("ext", "argExt", "const float *"),
				p("runflags", "argRunFlags", "const u32 *"),
				p("regcount", "argRegCount", "u32 *"),
				p("raster", "argRaster", "u32 *"),
				p("t", "argT", "u64"),
				p("slot", "argSlot", "u64"),
				p("nstep", "argNStep", "u64"),
				p("nslot", "argNSlot", "u64"),
				p("rel", "argRel", "u64"),
				p("next", "argNext", "u64"),
				p("H", "argH", "u64"),
				p("TW", "argTW", "u64"),
				p("TR", "argTR", "u64"),
				p("prev", "argPrev", "float *"),
				p("ptheta", "argPTheta", "float *"),
			}},
		{Macro: "LEARN_ARGS", Count: "numLearnArgs", Go: "sigLearn",
			Doc: "The LIF learning kernels' arguments (step.cu's LEARN_ARGS), in order.",
			Params: []Param{
				p("tasks", "largTasks", "const Task *"),
				p("brains", "largBrains", "const Brain *"),
				p("lrec", "largRec", "const LearnRec *"),
				p("ltab", "largTab", "const double *"),
				p("lstart", "largStart", "const u32 *"),
				p("lpost", "largPost", "const u32 *"),
				p("hist", "largHist", "const u32 *"),
				p("prev", "largPrev", "const float *"),
				p("la", "largA", "double *"),
				p("lS", "largS", "double *"),
				p("lc", "largC", "float *"),
				p("t", "largT", "u64"),
				p("slot", "largSlot", "u64"),
				p("TW", "largTW", "u64"),
			}},
		{Macro: "ALIF_ARGS", Count: "numAlifArgs", Go: "sigAlif",
			Doc: "The ALIF learning kernels' arguments (step.cu's ALIF_ARGS), in order.",
			Params: []Param{
				p("tasks", "aargTasks", "const Task *"),
				p("brains", "aargBrains", "const Brain *"),
				p("arec", "aargRec", "const AlifRec *"),
				p("ltab", "aargTab", "const double *"),
				p("lstart", "aargStart", "const u32 *"),
				p("lpost", "aargPost", "const u32 *"),
				p("hist", "aargHist", "const u32 *"),
				p("prev", "aargPrev", "const float *"),
				p("ptheta", "aargPTheta", "const float *"),
				p("aeps", "aargEps", "float *"),
				p("ae", "aargE", "float *"),
				p("azeta", "aargZeta", "double *"),
				p("fEZ", "aargFEZ", "double *"),
				p("fEE", "aargFEE", "double *"),
				p("fPZ", "aargFPZ", "double *"),
				p("fPE", "aargFPE", "double *"),
				p("ahist", "aargAHist", "float *"),
				p("aspk", "aargSpk", "u32 *"),
				p("t", "aargT", "u64"),
				p("slot", "aargSlot", "u64"),
				p("TW", "aargTW", "u64"),
				p("m", "aargM", "u64"),
			}},
	},
	Kernels: []Kernel{
		{"neuron", "kNeuron", "KERNEL_ARGS"},
		{"deliver", "kDeliver", "KERNEL_ARGS"},
		{"deliver_u1", "kDeliverU1", "KERNEL_ARGS"},
		{"learn_spikes", "kLearnSpikes", "LEARN_ARGS"},
		{"learn_psi", "kLearnPsi", "LEARN_ARGS"},
		{"learn_flush", "kLearnFlush", "LEARN_ARGS"},
		{"learn_end", "kLearnEnd", "LEARN_ARGS"},
		{"alif_observe", "kAlifObserve", "ALIF_ARGS"},
		{"alif_pass", "kAlifPass", "ALIF_ARGS"},
		{"alif_identity", "kAlifIdentity", "ALIF_ARGS"},
		{"alif_sweep_spikes", "kAlifSweepSpikes", "ALIF_ARGS"},
		{"alif_sweep_neurons", "kAlifSweepNeurons", "ALIF_ARGS"},
		{"alif_zeta", "kAlifZeta", "ALIF_ARGS"},
	},
}
