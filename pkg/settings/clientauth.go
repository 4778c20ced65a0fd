package settings

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
)

// Grant and client authentication values added for issue 16 (see docs/configuration.md).
const (
	GrantJWTBearer = "jwt_bearer" // RFC 7523 section 2.1

	ClientAuthPrivateKeyJWT = "private_key_jwt"   // RFC 7523 section 2.2, OIDC Core section 9
	ClientAuthSecretJWT     = "client_secret_jwt" // HS256 with the client secret
	ClientAuthTLS           = "tls_client_auth"   // RFC 8705: Grafana's TLS client certificate
	ClientAuthNone          = "none"              // jwt_bearer only: the assertion is the credential
)

// Token placement on API requests.
const (
	PlacementHeader = "header"
	PlacementQuery  = "query"

	DefaultTokenQueryParam = "access_token"
)

// Assertion signing algorithms.
const (
	AlgRS256 = "RS256"
	AlgPS256 = "PS256"
	AlgES256 = "ES256"
	AlgHS256 = "HS256" // client_secret_jwt only
)

// minRSABits refuses keys no provider accepts any more (and that are breakable).
const minRSABits = 2048

// maxSecretKeyBytes bounds a pasted key or service-account JSON (a real one is 2-4 KB).
const maxSecretKeyBytes = 64 << 10

// Assertion is how JWT assertions are signed, for private_key_jwt, client_secret_jwt and the
// jwt_bearer grant.
type Assertion struct {
	Alg   string
	KeyID string
	Key   crypto.Signer // RSA or EC P-256; nil for client_secret_jwt
	// Certificate, when pasted after the key in privateKey, adds the x5t and x5t#S256 headers
	// (its SHA-1 and SHA-256 thumbprints), which Azure AD certificate credentials require.
	Certificate *x509.Certificate
	Audience    string // empty: the token endpoint
	Issuer      string // jwt_bearer: `iss` (default: the client id or client_email)
	Subject     string // jwt_bearer: `sub` (default: the issuer; none for a service account)
	// ScopeClaim puts the scopes into the assertion (`scope` claim) instead of the form, as Google's
	// service-account flow wants.
	ScopeClaim bool
}

// loadClientAuth reads the grant's credentials (the client id is already in t): client secret,
// client authentication method, private key or service-account key, and the discovery issuer. It
// runs before anything that needs the token endpoint, because discovery or a service-account key
// may supply it.
func loadClientAuth(t *Token, w wire, secure map[string]string) error {
	var err error
	if t.IssuerURL, err = optionalURL("issuerUrl", w.IssuerURL); err != nil {
		return err
	}
	if t.IssuerURL != "" {
		if u, _ := url.Parse(t.IssuerURL); u.RawQuery != "" || u.Fragment != "" {
			return &FieldError{"issuerUrl", "must not contain a query string or fragment (OIDC Discovery section 2)"}
		}
	}

	def := ClientAuthBody
	if t.GrantType == GrantJWTBearer {
		def = ClientAuthNone
	}
	if t.ClientAuth, err = oneOf("clientAuth", orDefault(w.ClientAuth, def), ClientAuthBody, ClientAuthBasic,
		ClientAuthPrivateKeyJWT, ClientAuthSecretJWT, ClientAuthTLS, ClientAuthNone); err != nil {
		return err
	}
	if t.ClientAuth == ClientAuthNone && t.GrantType != GrantJWTBearer {
		return &FieldError{"clientAuth", "none is allowed with grantType: jwt_bearer only"}
	}
	if t.ClientAuth == ClientAuthSecretJWT && t.GrantType == GrantJWTBearer {
		// One signing key per datasource: the grant's assertion needs the private key.
		return &FieldError{"clientAuth", "client_secret_jwt cannot be combined with grantType: jwt_bearer; use none, body, basic or private_key_jwt"}
	}

	// Keys are read only where the method uses them: a key left over from another method is ignored
	// (and never sent), like a client secret is with private_key_jwt.
	sa := strings.TrimSpace(secure["serviceAccountKey"])
	switch {
	case t.GrantType == GrantJWTBearer && sa != "":
		if err := loadServiceAccount(t, sa); err != nil {
			return err
		}
	case t.GrantType == GrantJWTBearer || t.ClientAuth == ClientAuthPrivateKeyJWT:
		if pemText := secure["privateKey"]; strings.TrimSpace(pemText) != "" {
			if t.Assertion.Key, t.Assertion.Certificate, err = ParsePrivateKey(pemText); err != nil {
				return &FieldError{"secureJsonData.privateKey", err.Error()}
			}
			t.PrivateKeyPEM = pemText
		}
	}

	// What each method needs, and never a secret next to an assertion.
	needsID := t.GrantType != GrantJWTBearer || t.ClientAuth != ClientAuthNone
	if needsID && t.ClientID == "" {
		return &FieldError{"secureJsonData.clientId", "is required (the client id is a secure field)"}
	}
	switch t.ClientAuth {
	case ClientAuthBody, ClientAuthBasic, ClientAuthSecretJWT:
		// Only these methods keep the secret: an assertion or a certificate replaces it, and a
		// secret sent too would defeat the point.
		t.ClientSecret = secure["clientSecret"]
		if t.ClientSecret == "" {
			return &FieldError{"secureJsonData.clientSecret", "is required with clientAuth: " + t.ClientAuth}
		}
		if t.ClientAuth == ClientAuthSecretJWT && len(t.ClientSecret) < 32 {
			return &FieldError{"secureJsonData.clientSecret", "must be at least 32 bytes with clientAuth: client_secret_jwt (HS256 key, RFC 7518 section 3.2)"}
		}
	case ClientAuthPrivateKeyJWT:
		if t.Assertion.Key == nil {
			return &FieldError{"secureJsonData.privateKey", "is required with clientAuth: private_key_jwt (a PEM private key, RSA or EC P-256)"}
		}
	case ClientAuthTLS:
		// Grafana's HTTP client reads tlsAuth only as a JSON boolean; so does this check.
		if strings.TrimSpace(string(w.TLSAuth)) != "true" {
			return &FieldError{"tlsAuth", "must be true with clientAuth: tls_client_auth (the client certificate is Grafana's TLS client certificate: secureJsonData.tlsClientCert and tlsClientKey)"}
		}
		if strings.TrimSpace(secure["tlsClientCert"]) == "" || strings.TrimSpace(secure["tlsClientKey"]) == "" {
			return &FieldError{"secureJsonData.tlsClientCert", "tlsClientCert and tlsClientKey are required with clientAuth: tls_client_auth"}
		}
		t.TLSClientKey = secure["tlsClientKey"]
	}
	if t.GrantType == GrantJWTBearer && t.Assertion.Key == nil {
		return &FieldError{"secureJsonData.privateKey", "is required with grantType: jwt_bearer (or paste a Google service-account key into serviceAccountKey)"}
	}
	return loadAssertion(t, w)
}

// loadAssertion fills the assertion settings and checks the algorithm against the key.
func loadAssertion(t *Token, w wire) error {
	a := &t.Assertion
	usesAssertion := t.ClientAuth == ClientAuthPrivateKeyJWT || t.ClientAuth == ClientAuthSecretJWT || t.GrantType == GrantJWTBearer
	if !usesAssertion {
		return nil
	}
	alg := strings.ToUpper(strings.TrimSpace(w.JWTAlg))
	if aud := strings.TrimSpace(w.JWTAudience); aud != "" {
		a.Audience = aud
	}
	if v := strings.TrimSpace(w.JWTKeyID); v != "" {
		a.KeyID = v
	}
	if v := strings.TrimSpace(w.JWTIssuer); v != "" {
		a.Issuer = v
	}
	if v := strings.TrimSpace(w.JWTSubject); v != "" {
		a.Subject = v
	}
	if t.GrantType == GrantJWTBearer && a.Issuer == "" {
		a.Issuer = t.ClientID
		if a.Issuer == "" {
			return &FieldError{"jwtIssuer", "is required with grantType: jwt_bearer when no clientId is set (the assertion's iss)"}
		}
	}
	if t.GrantType == GrantJWTBearer && a.Subject == "" && !a.ScopeClaim {
		a.Subject = a.Issuer // RFC 7523 section 3: sub is required; a client acting as itself
	}

	// The HS256 key of client_secret_jwt is the client secret; other assertions use the private key.
	hmacOnly := t.ClientAuth == ClientAuthSecretJWT && t.GrantType != GrantJWTBearer
	switch {
	case hmacOnly:
		if alg != "" && alg != AlgHS256 {
			return &FieldError{"jwtAlg", fmt.Sprintf("%q: client_secret_jwt signs with HS256", w.JWTAlg)}
		}
		a.Alg = AlgHS256
		return nil
	case alg == "":
		if _, ok := a.Key.(*ecdsa.PrivateKey); ok {
			a.Alg = AlgES256
		} else {
			a.Alg = AlgRS256
		}
	case alg == AlgRS256 || alg == AlgPS256 || alg == AlgES256:
		a.Alg = alg
	default:
		return &FieldError{"jwtAlg", fmt.Sprintf("%q is not one of RS256, PS256, ES256", w.JWTAlg)}
	}
	switch a.Key.(type) {
	case *rsa.PrivateKey:
		if a.Alg == AlgES256 {
			return &FieldError{"jwtAlg", "ES256 needs an EC P-256 private key; this one is RSA (use RS256 or PS256)"}
		}
	case *ecdsa.PrivateKey:
		if a.Alg != AlgES256 {
			return &FieldError{"jwtAlg", a.Alg + " needs an RSA private key; this one is EC (use ES256)"}
		}
	}
	return nil
}

// ParsePrivateKey reads a PEM private key: PKCS #8, PKCS #1 (RSA) or SEC 1 (EC), optionally
// followed (or preceded) by its X.509 certificate. RSA keys need at least 2048 bits, EC keys the
// P-256 curve (ES256); a certificate must be the key's. Errors never quote the key.
func ParsePrivateKey(text string) (crypto.Signer, *x509.Certificate, error) {
	if len(text) > maxSecretKeyBytes {
		return nil, nil, fmt.Errorf("private key: larger than %d bytes", maxSecretKeyBytes)
	}
	var keyBlock *pem.Block
	var cert *x509.Certificate
	rest := []byte(strings.TrimSpace(text))
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			if cert != nil {
				return nil, nil, fmt.Errorf("private key: more than one certificate; paste only the key's own")
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("private key: the CERTIFICATE block is not readable")
			}
			cert = c
			continue
		}
		if keyBlock != nil {
			return nil, nil, fmt.Errorf("private key: more than one key block")
		}
		keyBlock = b
	}
	if keyBlock == nil {
		return nil, nil, fmt.Errorf("private key: not PEM (expected -----BEGIN PRIVATE KEY-----)")
	}
	key, err := parseKeyBlock(keyBlock)
	if err != nil {
		return nil, nil, err
	}
	if cert != nil {
		if pub, ok := cert.PublicKey.(publicKey); !ok || !pub.Equal(key.Public()) {
			return nil, nil, fmt.Errorf("private key: the certificate is not the key's (public keys differ)")
		}
	}
	return key, cert, nil
}

// publicKey is what every public key type of the standard library implements (crypto.PublicKey
// is an empty interface).
type publicKey interface{ Equal(crypto.PublicKey) bool }

var (
	_ publicKey = (*rsa.PublicKey)(nil)
	_ publicKey = (*ecdsa.PublicKey)(nil)
)

func parseKeyBlock(block *pem.Block) (crypto.Signer, error) {
	if x509.IsEncryptedPEMBlock(block) || block.Type == "ENCRYPTED PRIVATE KEY" { //nolint:staticcheck // detection only
		return nil, fmt.Errorf("private key: encrypted keys are not supported; paste the unencrypted PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("private key: PEM block %q is not a private key (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", clipName(block.Type))
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %s block is not readable", block.Type)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("private key: RSA key of %d bits; at least %d are required", k.N.BitLen(), minRSABits)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("private key: EC curve %s is not supported; ES256 needs P-256", k.Curve.Params().Name)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("private key: only RSA and EC P-256 keys are supported (got %T)", key)
	}
}

// serviceAccount is the part of a Google service-account JSON key the plugin uses.
type serviceAccount struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// loadServiceAccount takes client_email, private_key, private_key_id and token_uri from a pasted
// Google service-account key. Explicit jwtIssuer, jwtKeyId, tokenUrl still win.
func loadServiceAccount(t *Token, raw string) error {
	const field = "secureJsonData.serviceAccountKey"
	if len(raw) > maxSecretKeyBytes {
		return &FieldError{field, fmt.Sprintf("larger than %d bytes", maxSecretKeyBytes)}
	}
	var sa serviceAccount
	if err := json.Unmarshal([]byte(raw), &sa); err != nil {
		return &FieldError{field, "not a service-account JSON key (paste the whole downloaded .json file)"}
	}
	if sa.Type != "" && sa.Type != "service_account" {
		return &FieldError{field, fmt.Sprintf("type %q is not service_account", clipName(sa.Type))}
	}
	if sa.ClientEmail == "" || sa.PrivateKey == "" {
		return &FieldError{field, "client_email and private_key are required"}
	}
	key, _, err := ParsePrivateKey(sa.PrivateKey)
	if err != nil {
		return &FieldError{field, err.Error()}
	}
	t.Assertion = Assertion{Key: key, KeyID: sa.PrivateKeyID, Issuer: sa.ClientEmail, ScopeClaim: true}
	t.ServiceAccountTokenURI = strings.TrimSpace(sa.TokenURI)
	t.ServiceAccountKey = raw
	t.PrivateKeyPEM = sa.PrivateKey
	return nil
}

// loadTokenPlacement reads tokenPlacement and tokenQueryParam.
func loadTokenPlacement(u *Upstream, w wire) error {
	var err error
	if u.TokenPlacement, err = oneOf("tokenPlacement", w.TokenPlacement, PlacementHeader, PlacementQuery); err != nil {
		return err
	}
	u.TokenQueryParam = orDefault(w.TokenQueryParam, DefaultTokenQueryParam)
	for _, r := range u.TokenQueryParam {
		if r > 0x7e || r <= 0x20 || strings.ContainsRune("&=#?+%", r) {
			return &FieldError{"tokenQueryParam", fmt.Sprintf("%q is not a plain query parameter name", u.TokenQueryParam)}
		}
	}
	return nil
}

// SealingSecret is the secret pkg/seal derives its keys from: the client secret, else the private
// key, else the TLS client key. Only one of them is configured for a given clientAuth.
func (t Token) SealingSecret() string {
	for _, s := range []string{t.ClientSecret, t.PrivateKeyPEM, t.TLSClientKey} {
		if s != "" {
			return s
		}
	}
	return ""
}

func optionalURL(field, raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	return parseHTTPURL(field, raw)
}

// clipName keeps a value quoted in an error short.
func clipName(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
