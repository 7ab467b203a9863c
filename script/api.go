package script

import (
	"context"

	"github.com/encephagen/encephagen/script/interp"
	"github.com/encephagen/encephagen/script/rundir"
)

// The entry points of the language. Package interp runs scripts; this
// package registers the builtins of the experiment language with it (in
// its init functions), so calling through here guarantees that every
// builtin is there.

type (
	// Options configure one execution of a script.
	Options = interp.Options
	// Builtin is one predeclared function, module member or module.
	Builtin = interp.Builtin
	// TypeDoc documents a value type and its attributes.
	TypeDoc = interp.TypeDoc
	// Problem is one finding of Vet.
	Problem = interp.Problem
	// MergeResult says what a merge found.
	MergeResult = interp.MergeResult
	// UsageError is an error in how a script was invoked; the CLI exits 2.
	UsageError = interp.UsageError
	// Error is a failed script, with its Starlark backtrace.
	Error = interp.Error
)

// Exec runs a script as `encephagen exec` does (see interp.Exec).
func Exec(ctx context.Context, opts Options) (string, error) { return interp.Exec(ctx, opts) }

// PlanScript lists a script's units without computing them (see
// interp.PlanScript).
func PlanScript(ctx context.Context, opts Options, shards int) (*rundir.Plan, error) {
	return interp.PlanScript(ctx, opts, shards)
}

// Merge combines the shards of a run (see interp.Merge).
func Merge(ctx context.Context, opts Options, checkOnly bool) (string, *MergeResult, error) {
	return interp.Merge(ctx, opts, checkOnly)
}

// Vet checks scripts without running them (see interp.Vet).
func Vet(scripts []string) []Problem { return interp.Vet(scripts) }

// Builtins returns every builtin, by category then name.
func Builtins() []*Builtin { return interp.Builtins() }

// LookupBuiltin returns the builtin of that name, or nil.
func LookupBuiltin(name string) *Builtin { return interp.LookupBuiltin(name) }

// Types returns the documented value types, by name.
func Types() []*TypeDoc { return interp.Types() }

// LookupType returns the documented type of that name, or nil.
func LookupType(name string) *TypeDoc { return interp.LookupType(name) }

// DocNames lists every name `encephagen doc` knows.
func DocNames() []string { return interp.DocNames() }

// StdlibModules lists the embedded library's modules.
func StdlibModules() []string { return interp.StdlibModules() }
