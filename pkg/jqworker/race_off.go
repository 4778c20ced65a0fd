//go:build !race

package jqworker

const (
	raceEnabled     = false
	raceMemoryExtra = 0
)
