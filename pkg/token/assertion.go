package token

import (
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // x5t is defined as a SHA-1 thumbprint (RFC 7515 section 4.1.7)
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
)

// AssertionLifetime is the `exp` of every assertion we sign, counted from `iat`. Short, because an
// assertion caught in transit is a credential until it expires (RFC 7523 section 3, item 4).
const AssertionLifetime = 5 * time.Minute

// URNs of RFC 7523.
const (
	ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	JWTBearerGrantType  = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// assertionSigner signs the JWTs of private_key_jwt, client_secret_jwt and the jwt_bearer grant
// with go-jose (v4): the library does the JWS encoding (ES256 as raw R||S, PS256 salt length),
// we only choose the claims.
type assertionSigner struct {
	signer jose.Signer
	cfg    settings.Assertion
}

func newAssertionSigner(a settings.Assertion, clientSecret string) (*assertionSigner, error) {
	var key jose.SigningKey
	switch a.Alg {
	case settings.AlgHS256:
		key = jose.SigningKey{Algorithm: jose.HS256, Key: []byte(clientSecret)}
	case settings.AlgRS256, settings.AlgPS256, settings.AlgES256:
		if a.Key == nil {
			return nil, fmt.Errorf("private key: missing for %s", a.Alg)
		}
		key = jose.SigningKey{Algorithm: jose.SignatureAlgorithm(a.Alg), Key: a.Key}
	default:
		return nil, fmt.Errorf("jwtAlg: %q is not supported", a.Alg)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if a.KeyID != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), a.KeyID)
	}
	if c := a.Certificate; c != nil {
		// RFC 7515 sections 4.1.7 and 4.1.8: thumbprints of the DER certificate.
		s1, s256 := sha1.Sum(c.Raw), sha256.Sum256(c.Raw)
		opts = opts.WithHeader(jose.HeaderKey("x5t"), base64.RawURLEncoding.EncodeToString(s1[:])).
			WithHeader(jose.HeaderKey("x5t#S256"), base64.RawURLEncoding.EncodeToString(s256[:]))
	}
	s, err := jose.NewSigner(key, opts)
	if err != nil {
		return nil, fmt.Errorf("private key: cannot sign with %s: %v", a.Alg, err)
	}
	return &assertionSigner{signer: s, cfg: a}, nil
}

// assertionClaims are the registered claims plus Google's `scope`.
type assertionClaims struct {
	jwt.Claims
	Scope string `json:"scope,omitempty"`
}

// sign makes one assertion: iss, sub, aud, a fresh jti, iat now, exp AssertionLifetime later.
func (s *assertionSigner) sign(iss, sub, aud, scope string, now time.Time) (string, error) {
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("assertion: no randomness for jti: %v", err)
	}
	c := assertionClaims{Claims: jwt.Claims{
		Issuer:   iss,
		Subject:  sub,
		Audience: jwt.Audience{aud},
		ID:       hex.EncodeToString(jti[:]),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(AssertionLifetime)),
	}, Scope: scope}
	out, err := jwt.Signed(s.signer).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("assertion: signing failed: %v", err)
	}
	return out, nil
}

// clientAssertion is the private_key_jwt / client_secret_jwt assertion: iss = sub = client id.
func (g *Grant) clientAssertion(tokenURL string) (string, error) {
	aud := g.cfg.Assertion.Audience
	if aud == "" {
		aud = tokenURL
	}
	return g.signer.sign(g.cfg.ClientID, g.cfg.ClientID, aud, "", g.now())
}

// bearerAssertion is the RFC 7523 section 2.1 grant's assertion.
func (g *Grant) bearerAssertion(tokenURL string) (string, error) {
	a := g.cfg.Assertion
	aud := a.Audience
	if aud == "" {
		aud = tokenURL
	}
	scope := ""
	if a.ScopeClaim {
		scope = strings.Join(g.cfg.Scopes, " ")
	}
	return g.signer.sign(a.Issuer, a.Subject, aud, scope, g.now())
}
