package web

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// basicAuth protects h with HTTP Basic authentication as 4.2.5's
// supervisor_auth_handler does (AUTH-01..03): a stored password starting
// with "{SHA}" is compared with the hex SHA-1 of the given one, otherwise
// plainly. Missing or wrong credentials or another scheme → 401 with
// WWW-Authenticate and Connection: close; undecodable base64 → 400.
func basicAuth(user, pass string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, cookie, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "basic") {
			unauthorized(w)
			return
		}
		raw, ok := decodeBase64Lenient(cookie)
		if !ok || !utf8.Valid(raw) {
			rpc.WriteHTTPError(w, http.StatusBadRequest)
			return
		}
		u, p, _ := strings.Cut(string(raw), ":")
		if !checkPassword(user, pass, u, p) {
			unauthorized(w)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="default"`)
	w.Header().Set("Connection", "close")
	rpc.WriteHTTPError(w, http.StatusUnauthorized)
}

// checkPassword compares in constant time.
func checkPassword(wantUser, stored, user, given string) bool {
	userOK := subtle.ConstantTimeCompare([]byte(wantUser), []byte(user)) == 1
	if hexSum, ok := strings.CutPrefix(stored, "{SHA}"); ok {
		sum := sha1.Sum([]byte(given))
		given = hex.EncodeToString(sum[:])
		stored = hexSum
	}
	passOK := subtle.ConstantTimeCompare([]byte(stored), []byte(given)) == 1
	return userOK && passOK
}

// decodeBase64Lenient decodes like Python's base64.decodebytes: bytes
// outside the alphabet are skipped; bad padding is an error.
func decodeBase64Lenient(s string) ([]byte, bool) {
	var b strings.Builder
	for _, r := range s {
		if r == '+' || r == '/' || r == '=' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	clean := b.String()
	if out, err := base64.StdEncoding.DecodeString(clean); err == nil {
		return out, true
	}
	out, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
	if err != nil || len(strings.TrimRight(clean, "="))%4 == 1 {
		return nil, false
	}
	// Python requires correct padding when the length is not a multiple of 4.
	if len(clean)%4 != 0 {
		return nil, false
	}
	return out, true
}
