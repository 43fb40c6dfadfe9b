package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzBasicAuth: any Authorization header yields 200, 400 or 401, never a
// panic, and 200 only for the exact credentials.
func FuzzBasicAuth(f *testing.F) {
	for _, s := range []string{"", "Basic dXNlcjpwdw==", "Basic dXNlcjpwdw", "basic  dXNlcjpwdw==", "Digest x", "Basic", "Basic !!!", "Basic dXNlcg=="} {
		f.Add(s)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	plain := basicAuth("user", "pw", ok)
	sha := basicAuth("user", "{SHA}1a91d62f7ca67399625a4368a6ab5d4a3baa6073", ok) // sha1("pw")
	f.Fuzz(func(t *testing.T, header string) {
		for _, h := range []http.Handler{plain, sha} {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", header)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch rec.Code {
			case 200:
				_, cookie, _ := cut(header)
				raw, okDec := decodeBase64Lenient(cookie)
				if !okDec || string(raw) != "user:pw" {
					t.Fatalf("%q let in", header)
				}
			case 400, 401:
			default:
				t.Fatalf("%q: status %d", header, rec.Code)
			}
		}
	})
}

func cut(h string) (string, string, bool) {
	for i := 0; i < len(h); i++ {
		if h[i] == ' ' {
			return h[:i], h[i+1:], true
		}
	}
	return h, "", false
}

func TestSHAHashOfPw(t *testing.T) {
	// The fuzz target's stored hash must really be sha1("pw").
	if !checkPassword("u", "{SHA}1a91d62f7ca67399625a4368a6ab5d4a3baa6073", "u", "pw") {
		t.Fatal("sha1(pw) mismatch")
	}
	if checkPassword("u", "{SHA}1A91D62F7CA67399625A4368A6AB5D4A3BAA6073", "u", "pw") {
		t.Fatal("upper-case stored hex matched; 4.2.5 compares hexdigest() exactly")
	}
}
