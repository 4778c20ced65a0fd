//go:build !linux

package jqworker

// limitProcess: outside Linux the worker has the Go memory limit (a soft one) and the parent's
// kill at jqTimeout, but no kernel-enforced memory cap (docs/security.md says so).
func limitProcess(Limits) error { return nil }
