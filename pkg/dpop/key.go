// Package dpop binds tokens to a key the plugin holds (OAuth 2.0 DPoP, RFC 9449): one EC P-256
// key per datasource instance, a signed proof on every token and API request, and the servers'
// nonces. It sits beside pkg/transport: it wraps the instance's HTTP transport, so neither the
// token grant nor the API client needs to know about proofs.
//
// JOSE is go-jose v4: well kept, it signs with the JWK embedded in the protected header (RFC 9449
// wants the public key there) and computes RFC 7638 thumbprints, which the shared token store
// uses to tell keys apart.
package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// Key is the instance's DPoP key. The private part never leaves the process: only the public JWK
// (in every proof) and its thumbprint (in health messages and shared-store keys) are shown.
type Key struct {
	signer     jose.Signer
	thumbprint string // base64url SHA-256 JWK thumbprint (RFC 7638), the `jkt` servers bind to
	generated  bool
}

// NewKey parses pemKey (an EC P-256 private key, SEC 1 "EC PRIVATE KEY" or PKCS #8 "PRIVATE KEY"),
// or generates a fresh key when pemKey is empty. Errors never quote the key.
func NewKey(pemKey string) (*Key, error) {
	var priv *ecdsa.PrivateKey
	generated := pemKey == ""
	if generated {
		var err error
		if priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, fmt.Errorf("generating the DPoP key: %w", err)
		}
	} else {
		var err error
		if priv, err = parsePEM(pemKey); err != nil {
			return nil, err
		}
	}
	jwk := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(jose.ES256)}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("DPoP key thumbprint: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	if err != nil {
		return nil, fmt.Errorf("DPoP signer: %w", err)
	}
	return &Key{signer: signer, thumbprint: base64.RawURLEncoding.EncodeToString(tp), generated: generated}, nil
}

// Thumbprint is the key's RFC 7638 SHA-256 thumbprint (base64url): public, what a DPoP-bound token's
// `cnf.jkt` names.
func (k *Key) Thumbprint() string { return k.thumbprint }

// Generated reports whether the key was generated at start (it then dies with the instance).
func (k *Key) Generated() bool { return k.generated }

// errKeyFormat never quotes the key text.
var errKeyFormat = errors.New(`must be a PEM-encoded EC P-256 private key ("EC PRIVATE KEY" or PKCS #8 "PRIVATE KEY")`)

func parsePEM(text string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errKeyFormat
	}
	var key any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, errKeyFormat
	}
	if err != nil {
		return nil, errKeyFormat
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("must be an EC key on curve P-256 (ES256); other key types are not supported for DPoP")
	}
	return ec, nil
}
