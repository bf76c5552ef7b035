package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// The health listener proves to doctor that it is this daemon, and not
// whatever a local user bound on http.addr while the daemon was down:
// doctor sends a fresh random nonce, the daemon answers an HMAC of it
// under a key derived from the Compago API key, which doctor reads from
// the same configuration. A listener without the key cannot answer it.
// The derived key is used for nothing else, so answering any nonce
// reveals nothing of the API key nor helps against Compago.
const (
	nonceHeader = "Compago-Connector-Nonce"
	proofHeader = "Compago-Connector-Proof"
	maxNonceLen = 128
)

// proofKey derives the health-proof key from the Compago API key.
func proofKey(apiKey string) []byte {
	m := hmac.New(sha256.New, []byte(apiKey))
	m.Write([]byte("compago-connector health proof v1"))
	return m.Sum(nil)
}

// healthProof is the answer to nonce.
func healthProof(key []byte, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// newNonce is a fresh random challenge.
func newNonce() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// withProof answers the nonce of a request on every endpoint.
func withProof(key []byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := r.Header.Get(nonceHeader); len(key) > 0 && n != "" && len(n) <= maxNonceLen {
			w.Header().Set(proofHeader, healthProof(key, n))
		}
		next.ServeHTTP(w, r)
	})
}

// validProof checks the daemon's answer to nonce.
func validProof(key []byte, nonce, proof string) bool {
	return hmac.Equal([]byte(healthProof(key, nonce)), []byte(proof))
}
