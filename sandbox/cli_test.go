package sandbox

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestNameForLab(t *testing.T) {
	tests := []struct{ lab, want string }{
		{"", "lab"},
		{"labs/supervisor", "supervisor"},
		{"labs/supervisor/", "supervisor"},
		{"labs/supervisor/lab.md", "supervisor"},
		{"/x/My Lab 2.md", "my-lab-2"},
		{"练习", "lab"},
		{strings.Repeat("a", 50), strings.Repeat("a", 32)},
	}
	for _, tt := range tests {
		if got := NameForLab(tt.lab); got != tt.want {
			t.Errorf("NameForLab(%q) = %q, want %q", tt.lab, got, tt.want)
		}
	}
}

func TestLabLifecycle(t *testing.T) {
	needRoot(t)
	root := testRoot(t)
	ctx := context.Background()
	o := StartOptions{Lab: "labs/supervisor", Rootfs: HostRootfs, StateRoot: root}
	t.Cleanup(func() { StopLab(ctx, root, o.Lab) })

	if _, err := Current(root); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "lab start") {
		t.Errorf("Current with nothing running: %v", err)
	}
	s, created, err := Ensure(ctx, o, io.Discard)
	if err != nil || !created || s.Name() != "supervisor" || s.Lab() != "labs/supervisor" {
		t.Fatalf("Ensure = %v, %v, %v", s, created, err)
	}
	run(t, s, Student, "echo work > ~/file")
	again, created, err := Ensure(ctx, o, io.Discard)
	if err != nil || created || again.Pid() != s.Pid() {
		t.Fatalf("second Ensure did not re-attach: %v, %v", created, err)
	}
	cur, err := Current(root)
	if err != nil || cur.Pid() != s.Pid() {
		t.Fatalf("Current = %v, %v", cur, err)
	}
	if out, _ := run(t, cur, Student, "cat ~/file"); out != "work\n" {
		t.Errorf("got %q", out)
	}

	fresh, err := ResetLab(ctx, root, "")
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := run(t, fresh, Student, "cat ~/file 2>&1 || true"); !strings.Contains(out, "No such file") {
		t.Errorf("reset kept the student's file: %q", out)
	}
	if err := StopLab(ctx, root, ""); err != nil {
		t.Fatal(err)
	}
	assertGone(t, fresh)
	if err := StopLab(ctx, root, ""); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if _, err := ResetLab(ctx, root, ""); !errors.Is(err, ErrNotRunning) {
		t.Errorf("reset of a stopped sandbox: %v", err)
	}
}
