package dpop

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// claims are the proof's payload (RFC 9449 section 4.2).
type claims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	Nonce string `json:"nonce,omitempty"`
	// ATH is base64url(SHA-256(access token)), on requests that carry a DPoP-bound token.
	ATH string `json:"ath,omitempty"`
}

// Proof signs a proof for one request: method, target URI (its query and fragment are dropped, as
// RFC 9449 says), the access token it accompanies (empty at the token endpoint) and the server's
// latest nonce (empty until it asked for one). Every proof has a fresh jti.
func (k *Key) Proof(method string, target *url.URL, accessToken, nonce string, now time.Time) (string, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", fmt.Errorf("DPoP proof id: %w", err)
	}
	c := claims{
		JTI:   base64.RawURLEncoding.EncodeToString(id[:]),
		HTM:   method,
		HTU:   HTU(target),
		IAT:   now.Unix(),
		Nonce: nonce,
	}
	if accessToken != "" {
		c.ATH = ATH(accessToken)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing the DPoP proof: %w", err)
	}
	return jws.CompactSerialize()
}

// HTU is the proof's target URI: scheme, host and path of u, without query and fragment.
func HTU(u *url.URL) string {
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return u.Scheme + "://" + u.Host + path
}

// ATH is the access token hash a proof carries: base64url(SHA-256(token)).
func ATH(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
