package auth

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

// A password check runs on a thread at nice 19, and that thread never
// serves another goroutine: threads the runtime runs goroutines on keep
// their priority.
func TestPasswordChecksRunOnALowPriorityThreadOfTheirOwn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread priorities are set on Linux only")
	}
	before := niceOfThreads(t, 64)
	for range 20 {
		var nice int
		var err error
		runAside(func() { nice, err = threadNice() })
		if err != nil || nice != 19 {
			t.Fatalf("the check's thread runs at nice %d (%v), want 19", nice, err)
		}
	}
	after := niceOfThreads(t, 64)
	for n := range after {
		if !before[n] {
			t.Fatalf("after the checks, a goroutine ran on a thread at nice %d; before them only %v", n, before)
		}
	}
}

// niceOfThreads runs n goroutines at once, each on the thread the runtime
// gives it, and returns the nice values they saw.
func niceOfThreads(t *testing.T, n int) map[int]bool {
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			nice, err := threadNice()
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			seen[nice] = true
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return seen
}

// In process, a check answers right and wrong, and a hash whose parameters
// make argon2 panic is refused as malformed instead of ending the process.
func TestCheckPasswordInProcess(t *testing.T) {
	p := HashParams{Memory: 64, Time: 1, Threads: 1}
	hash, err := HashPassword("驿站 secret", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hash, password string
		ok             bool
		err            bool
	}{
		{hash, "驿站 secret", true, false},
		{hash, "驿站 secreT", false, false},
		{"$argon2id$v=19$m=64,t=1,p=1$$", "x", false, true},
		{strings.Replace(hash, "t=1", "t=0", 1), "驿站 secret", false, true}, // argon2 panics on zero passes
		{"nonsense", "x", false, true},
	} {
		ok, err := CheckPassword(c.hash, c.password)
		if ok != c.ok || (err != nil) != c.err {
			t.Errorf("CheckPassword(%q, %q) = %v, %v; want %v, error %v", c.hash, c.password, ok, err, c.ok, c.err)
		}
	}
}
