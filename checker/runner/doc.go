// Package runner runs a lab step's checks and reports the results.
//
// A check script runs on a Target: Local runs it on this machine; the sandbox package provides a
// target that runs it inside the student's sandbox through its agent. Local runs each script with
// its shebang's interpreter (Linux rules: the interpreter and at most one argument; /bin/bash
// when there is no shebang) reading the script from a temporary file, with a clean environment
// (PATH, HOME, USER, LOGNAME, SHELL, LANG=C.UTF-8, PWD), in /home/shiyanlou when it exists, in its
// own process group, stdin from /dev/null, stdout and stderr interleaved on one pipe and capped
// (64 KiB), and a timeout (30 s unless the check's `timeout:` or the lab's front matter says
// otherwise). On timeout the whole process group is killed, and so is anything the script left
// running in it after it exits. Exit status 0 passes.
//
// The checks of a step run in order and stop at the first failure unless Options.All.
//
// # JSON schema (lab check --json)
//
// One document per run, schema version 1:
//
//	{
//	  "schema": 1,                 // SchemaVersion; bumped only when a field changes meaning or goes away
//	  "lab": "/abs/path/lab.md",   // the lab file (or the embedded lab's name)
//	  "passed": false,             // every step that ran passed, and no step was left out by a failure
//	  "steps": [{                  // the steps that ran, in order
//	    "step": 3,                 // N of step-N
//	    "title": "4.2 修改配置",     // nearest heading above the checker block
//	    "line": 274,               // markdown line of the block's opening fence
//	    "passed": false,
//	    "checks": [{
//	      "name": "check content",
//	      "line": 275,             // markdown line of the check's "- name:"
//	      "status": "fail",        // "pass", "fail" or "not-run" (after an earlier failure, without -a)
//	      "exit_code": 1,          // 128+N when killed by signal N (a timeout kills with SIGKILL: 137)
//	      "timed_out": false,
//	      "timeout_s": 30,
//	      "duration_ms": 4.2,
//	      "error": "...",          // the author's error text, only on failure
//	      "hint": "...",           // the author's hint, only on failure and when given
//	      "output": "...",         // stdout+stderr of the script, capped
//	      "output_truncated": false
//	    }]
//	  }]
//	}
//
// Progress (the latest result of each step, for `lab status`) is kept by Progress.
package runner
