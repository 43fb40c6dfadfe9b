package sandbox

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePasswd(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []account
		wantErr string
	}{
		{"debian", "root:x:0:0:root:/root:/bin/bash\n# c\n\nshiyanlou:x:1000:1000::/home/shiyanlou:/bin/bash\n",
			[]account{{"root", 0, 0, "/root", "/bin/bash"}, {"shiyanlou", 1000, 1000, "/home/shiyanlou", "/bin/bash"}}, ""},
		{"short line", "root:x:0:0\n", nil, "passwd:1: want 7 fields, got 4"},
		{"bad uid", "a:x:0:0:a:/:/bin/sh\nb:x:-1:0:b:/:/bin/sh\n", nil, `passwd:2: bad uid "-1"`},
		{"bad gid", "b:x:1:zz:b:/:/bin/sh", nil, `passwd:1: bad gid "zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePasswd([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseGroupsOf(t *testing.T) {
	in := "root:x:0:\nsudo:x:27:shiyanlou\nbroken\nadm:x:4:syslog,shiyanlou\nother:x:9:shiyanlou2\n"
	if got, want := parseGroupsOf([]byte(in), "shiyanlou"), []uint32{27, 4}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func FuzzParsePasswd(f *testing.F) {
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\n"))
	f.Add([]byte("a:b\n:::::::\n"))
	f.Add([]byte(strings.Repeat("x", 5000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		accts, err := parsePasswd(data)
		if err != nil && accts != nil {
			t.Fatal("accounts returned with an error")
		}
		_ = parseGroupsOf(data, "root")
	})
}
