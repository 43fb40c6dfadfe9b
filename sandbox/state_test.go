package sandbox

import (
	"os"
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	tail := " 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 4242 1000 10"
	tests := []struct {
		name    string
		in      string
		start   uint64
		zombie  bool
		wantErr string
	}{
		{"running", "12 (bash) S" + tail, 4242, false, ""},
		{"zombie", "12 (x) Z" + tail, 4242, true, ""},
		{"name with ') ('", "12 (a) (b c)) R" + tail, 4242, false, ""},
		{"no paren", "12 bash S 1", 0, false, "no ')'"},
		{"short", "12 (x) S 1 2", 0, false, "3 fields"},
		{"bad start", "12 (x) S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 x 1", 0, false, `bad start time "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, zombie, err := parseProcStat(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || start != tt.start || zombie != tt.zombie {
				t.Fatalf("got %d %v %v", start, zombie, err)
			}
		})
	}
	// And the real thing.
	if _, zombie, err := procStartTime(os.Getpid()); err != nil || zombie {
		t.Fatalf("own stat: %v %v", zombie, err)
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add("12 (bash) S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 4242 1000 10")
	f.Add("1 ()) Z")
	f.Add(")")
	f.Fuzz(func(t *testing.T, s string) {
		parseProcStat(s) // must not panic
	})
}

func TestReadStateErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := readState(dir); !os.IsNotExist(err) {
		t.Errorf("missing state: %v", err)
	}
	os.WriteFile(dir+"/state.json", []byte("{bad"), 0o600)
	if _, err := readState(dir); err == nil || !strings.Contains(err.Error(), "state.json") {
		t.Errorf("bad state: %v", err)
	}
	st := &state{Name: "x", Pid: os.Getpid()}
	st.StartTime, _, _ = procStartTime(os.Getpid())
	if err := writeState(dir, st); err != nil {
		t.Fatal(err)
	}
	got, err := readState(dir)
	if err != nil || !got.alive() {
		t.Errorf("round trip: %+v %v", got, err)
	}
	got.StartTime++ // a reused pid
	if got.alive() {
		t.Error("a different start time counts as alive")
	}
}
