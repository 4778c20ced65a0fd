//go:build race

package jqworker

// raceEnabled: in a race-detector build (tests only) the worker's rlimit has raceMemoryExtra more,
// because the detector's shadow memory counts against RLIMIT_DATA (a few hundred MiB for nothing).
const (
	raceEnabled     = true
	raceMemoryExtra = 1 << 30
)
