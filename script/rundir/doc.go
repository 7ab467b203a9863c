// Package rundir keeps the runs of experiments: the run directory and the
// files in it (provenance in run.json, printed output, finished units,
// the plan and the shards of a run split over a cluster), the checks that
// --resume, sharding and merging rely on, and the progress report of a
// run. It knows nothing of Starlark: the script layer (package script)
// runs experiments through it, and the CLI reads and checks runs with it.
//
//	run.json     provenance and status (written at the start, updated at the end)
//	output.txt   everything the script printed
//	units/       one JSON file per finished unit (Units); --resume reuses them
//	plan.json    a sharded run's units (Plan), written by its first shard
//	shards/      each shard's run info (I-of-N.json) and printed output (I-of-N.txt)
//	.lock        held by the process using the directory (Dir.Lock)
//	...          whatever the script writes
//
// Every file is written to a temporary name and renamed into place, so a
// killed run never leaves a partial file under its real name.
package rundir
