package main

import (
	"fmt"
	"github.com/encephagen/encephagen/engine/suggest"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/encephagen/encephagen/script"
)

func init() { register(newDocCmd) }

func newDocCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doc [NAME]",
		Short: "Print the reference of the script builtins",
		Long: `Print the reference of the builtins scripts can use, from the same registry the
interpreter uses. Without NAME: every builtin with its signature and summary, then the
value types. With NAME: the full entry of a builtin (run, stats.mann_whitney), a value
type (brain, recording) or a type's attribute (recording.group_rate).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if len(args) == 0 {
				docIndex(w)
				return nil
			}
			return docEntry(w, args[0])
		},
	}
}

func docIndex(w io.Writer) {
	fmt.Fprintln(w, "Builtins of encephagen scripts (encephagen doc NAME for one entry).")
	last := ""
	for _, b := range script.Builtins() {
		if b.Category != last {
			fmt.Fprintf(w, "\n%s\n", strings.ToUpper(b.Category))
			last = b.Category
		}
		fmt.Fprintf(w, "  %s\n      %s\n", oneLine(b.Sig), b.Summary())
	}
	fmt.Fprintf(w, "\nVALUE TYPES\n")
	for _, t := range script.Types() {
		var names []string
		for _, m := range t.Members {
			names = append(names, m.Name)
		}
		fmt.Fprintf(w, "  %s: %s\n      attributes: %s\n", t.Name, summaryOf(t.Doc), strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "\nLIBRARY (load(\"@stdlib//NAME\", ...))\n  %s\n", strings.Join(script.StdlibModules(), ", "))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func summaryOf(doc string) string {
	b := script.Builtin{Doc: doc}
	return b.Summary()
}

func docEntry(w io.Writer, name string) error {
	if b := script.LookupBuiltin(name); b != nil {
		fmt.Fprintf(w, "%s\n\n%s\n", b.Sig, indent(b.Doc))
		// A module lists its members.
		var members []*script.Builtin
		for _, m := range script.Builtins() {
			if strings.HasPrefix(m.Name, name+".") {
				members = append(members, m)
			}
		}
		if len(members) > 0 {
			fmt.Fprintln(w)
			for _, m := range members {
				fmt.Fprintf(w, "  %s\n      %s\n", oneLine(m.Sig), m.Summary())
			}
		}
		return nil
	}
	if t := script.LookupType(name); t != nil {
		fmt.Fprintf(w, "type %s\n\n%s\n\n", t.Name, indent(t.Doc))
		for _, m := range t.Members {
			sig := m.Name
			if m.Method {
				sig = m.Sig
			}
			fmt.Fprintf(w, "  .%s\n      %s\n", sig, oneLine(m.Doc))
		}
		return nil
	}
	if tn, mn, ok := strings.Cut(name, "."); ok {
		if t := script.LookupType(tn); t != nil {
			for _, m := range t.Members {
				if m.Name == mn {
					sig := t.Name + "." + m.Name
					if m.Method {
						sig = t.Name + "." + m.Sig
					}
					fmt.Fprintf(w, "%s\n\n%s\n", sig, indent(m.Doc))
					return nil
				}
			}
		}
	}
	msg := fmt.Sprintf("doc: no builtin, type or attribute named %q", name)
	if s := closest(name, script.DocNames()); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return usageError{fmt.Errorf("%s; `encephagen doc` lists them all", msg)}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

// closest is the name at the smallest edit distance from s, if it is
// close enough to be a typo.
func closest(s string, names []string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, n := range names {
		if d := suggest.Distance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}
