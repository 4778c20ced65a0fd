//go:build !unix

package jqworker

func childrenMaxRSS() int64 { return 0 }
