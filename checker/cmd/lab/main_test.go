package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/supervisorlab/supervisorlab/checker/labcli"
)

// TestMain lets the test binary act as the real `lab` command inside the scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lab": func() { os.Exit(labcli.Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar: the lab command line as users see it.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("XDG_STATE_HOME", env.WorkDir+"/state")
			env.Setenv("NO_COLOR", "")
			labs, err := filepath.Abs("../../../testdata/labs")
			if err != nil {
				return err
			}
			env.Setenv("LABS", labs)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "shiyanlou": // --local runs in /home/shiyanlou when it exists
				_, err := os.Stat("/home/shiyanlou")
				return err == nil, nil
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, nil
		},
	})
}
