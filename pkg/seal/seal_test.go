package seal

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// refreshState is the shape pkg/authcode keeps in its refresh token file.
type refreshState struct {
	RefreshToken string `json:"rt"`
	Version      int64  `json:"v"`
}

func load(f *File) (refreshState, error) {
	var st refreshState
	err := f.Load(&st)
	return st, err
}

func mustSealer(t *testing.T, secret, purpose, uid string) *Sealer {
	t.Helper()
	s, err := NewSealer(secret, purpose, uid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenIsBoundToSecretPurposeAndDatasource(t *testing.T) {
	s := mustSealer(t, "secret-1", "refresh-token", "ds1")
	blob, err := s.Seal(refreshState{RefreshToken: "rt-value", Version: 7})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(blob, "rt-value") {
		t.Fatal("blob shows the token")
	}
	var got refreshState
	if err := s.Open(blob, &got); err != nil || got.RefreshToken != "rt-value" || got.Version != 7 {
		t.Fatalf("open: %v %+v", err, got)
	}
	for name, other := range map[string]*Sealer{
		"other secret":     mustSealer(t, "secret-2", "refresh-token", "ds1"),
		"other purpose":    mustSealer(t, "secret-1", "oauth-state", "ds1"),
		"other datasource": mustSealer(t, "secret-1", "refresh-token", "ds2"),
	} {
		if err := other.Open(blob, &got); !errors.Is(err, ErrUnreadable) {
			t.Errorf("%s opened the blob: %v", name, err)
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(blob)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1 // one bit of the tag (replacing two characters by "AA" was no change 1 time in 4096)
	tampered := base64.RawURLEncoding.EncodeToString(raw)
	if err := s.Open(tampered, &got); !errors.Is(err, ErrUnreadable) {
		t.Errorf("tampered blob opened: %v", err)
	}
	if err := s.Open("not base64 !", &got); !errors.Is(err, ErrUnreadable) {
		t.Errorf("garbage opened: %v", err)
	}
	if _, err := NewSealer("", "x", "ds1"); err == nil {
		t.Error("empty secret accepted")
	}
}

func TestFileSaveLoadAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	f := NewFile(dir, "uid/../x.refresh", mustSealer(t, "secret", "refresh-token", "uid"))
	if filepath.Dir(f.Path()) != dir {
		t.Fatalf("uid escaped the directory: %s", f.Path())
	}
	if st, err := load(f); err != nil || st.RefreshToken != "" {
		t.Fatalf("missing file: %v %+v", err, st)
	}
	var wg sync.WaitGroup
	for i := 1; i <= 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := f.Save(refreshState{RefreshToken: "rt", Version: int64(i)}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	st, err := load(f)
	if err != nil || st.RefreshToken != "rt" || st.Version < 1 {
		t.Fatalf("after concurrent saves: %v %+v", err, st)
	}
	info, err := os.Stat(f.Path())
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", info.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %d entries", len(entries))
	}
	raw, _ := os.ReadFile(f.Path())
	if strings.Contains(string(raw), `"rt"`) || strings.Contains(string(raw), "Version") {
		t.Fatal("state file is not sealed")
	}
	// A file sealed under another secret is reported, not trusted.
	g := NewFile(dir, "uid/../x.refresh", mustSealer(t, "new-secret", "refresh-token", "uid"))
	if _, err := load(g); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("foreign state file: %v", err)
	}
}
