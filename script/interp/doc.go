// Package interp runs encephagen scripts: a Session per execution (its
// threads, printed output, parameters, sandbox, the engine backend its
// brains run on, and the run it belongs to, kept by package rundir), load()
// of the embedded standard library and of the script's own folder, the
// builtin registry with one declaration per builtin (its signature feeds
// argument binding, `encephagen doc` and vet), and the builtins of the
// language itself: params, pmap, units and run_units, outputs, sprintf.
// The experiment builtins (brains, runs, e-prop, statistics) are package
// script's, registered here at init.
//
// Scripts are sandboxed: they read only the connectome data path and their
// own script folder, write only inside their run directory, and have no
// builtin that starts processes or opens network connections.
package interp
