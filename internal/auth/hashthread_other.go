//go:build !linux

package auth

import (
	"errors"
	"syscall"
)

// lowerThreadPriority does nothing where a thread's priority cannot be set
// on its own: the check still runs on a thread of its own.
func lowerThreadPriority() {}

func threadNice() (int, error) { return 0, errors.New("not on this system") }

// hasherProcAttr: elsewhere, the child ends when its stdin does.
func hasherProcAttr() *syscall.SysProcAttr { return nil }
