package interp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/encephagen/encephagen/script/rundir"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// UsageError is an error in how a script was invoked (an unknown or
// ill-typed --set parameter, a missing script, a run directory that
// exists): the CLI exits 2 for it.
// It is the run layer's (rundir), so that one type covers both.
type UsageError = rundir.UsageError

func usagef(format string, args ...any) error { return rundir.Usagef(format, args...) }

// Error is a failed script: the message, headed by the file:line:col where
// it happened, followed by the Starlark backtrace. A failure inside a
// loaded module or a pmap worker also shows that inner stack.
type Error struct {
	Msg    string
	Pos    string               // "exp.star:12:7", or "" when unknown
	Stacks []starlark.CallStack // outermost first
	cause  error
}

func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos != "" {
		b.WriteString(e.Pos)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	frames := 0
	for _, st := range e.Stacks {
		for _, fr := range st {
			if fr.Pos.Filename() == "<builtin>" {
				continue
			}
			if frames == 0 {
				b.WriteString("\nTraceback (most recent call last):")
			}
			frames++
			fmt.Fprintf(&b, "\n  %s: in %s", fr.Pos, fr.Name)
		}
	}
	return b.String()
}

// Backtrace is the traceback part alone (empty when there is none).
func (e *Error) Backtrace() string {
	s := e.Error()
	if i := strings.Index(s, "\nTraceback"); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// wrapError turns an error from the interpreter into an *Error carrying
// every Starlark stack in its chain. Context cancellation stays
// detectable with errors.Is.
func wrapError(err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) && already == err {
		return err
	}
	e := &Error{Msg: err.Error(), cause: err}
	var ee *starlark.EvalError
	var innermost syntax.Position
	for cur := err; cur != nil; {
		if !errors.As(cur, &ee) {
			break
		}
		e.Stacks = append(e.Stacks, ee.CallStack)
		for i := len(ee.CallStack) - 1; i >= 0; i-- {
			if fr := ee.CallStack[i]; fr.Pos.Filename() != "<builtin>" {
				innermost = fr.Pos
				break
			}
		}
		cur = ee.Unwrap()
	}
	if len(e.Stacks) > 0 {
		var outer *starlark.EvalError
		errors.As(err, &outer)
		e.Msg = outer.Msg
	}
	var se syntax.Error
	var rl resolve.ErrorList
	switch {
	case innermost.IsValid():
		e.Pos = innermost.String()
	case errors.As(err, &se):
		e.Pos, e.Msg = se.Pos.String(), se.Msg
	case errors.As(err, &rl):
		var lines []string
		for _, r := range rl {
			lines = append(lines, r.Pos.String()+": "+hintUndefined(r.Msg))
		}
		e.Msg = strings.Join(lines, "\n")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.Msg = "interrupted: " + e.Msg
	}
	return e
}

// hintUndefined adds a suggestion among the predeclared and universal
// names to the resolver's "undefined: x" (the resolver only knows the
// file's own names).
func hintUndefined(msg string) string {
	name, ok := strings.CutPrefix(msg, "undefined: ")
	if !ok || strings.Contains(name, " ") {
		return msg
	}
	names := append(Predeclared().Keys(), starlark.Universe.Keys()...)
	if s := Nearest(name, names); s != "" {
		return fmt.Sprintf("%s (did you mean %s?)", msg, s)
	}
	return msg
}
