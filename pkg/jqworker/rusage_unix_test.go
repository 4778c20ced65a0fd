//go:build unix

package jqworker

import "syscall"

// childrenMaxRSS is the peak RSS in bytes of the largest child process reaped so far.
func childrenMaxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10 // kB on Linux
}
