package settings

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"go.yaml.in/yaml/v3"
)

// provisioned mirrors one datasources: entry of a Grafana provisioning file.
type provisioned struct {
	Name           string            `yaml:"name"`
	Type           string            `yaml:"type"`
	URL            string            `yaml:"url"`
	JSONData       map[string]any    `yaml:"jsonData"`
	SecureJSONData map[string]string `yaml:"secureJsonData"`
}

// loadProvisioning parses YAML as Grafana does (with $VAR expansion) and runs every datasource
// through Load, as the plugin would receive it.
func loadProvisioning(t *testing.T, where string, doc []byte) int {
	t.Helper()
	var f struct {
		Datasources []provisioned `yaml:"datasources"`
	}
	// Grafana expands $VAR in each value; a key or a JSON file cannot be inlined into the YAML text,
	// so variables named *_PRIVATE_KEY and *_SERVICE_ACCOUNT_KEY get a real test key after parsing.
	expanded := os.Expand(string(doc), func(k string) string {
		switch {
		case strings.HasSuffix(k, "PRIVATE_KEY"):
			return "test-private-key-placeholder"
		case strings.HasSuffix(k, "SERVICE_ACCOUNT_KEY"):
			return "test-service-account-key-placeholder"
		}
		return "env-" + k
	})
	if err := yaml.Unmarshal([]byte(expanded), &f); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for _, ds := range f.Datasources {
		for k, v := range ds.SecureJSONData {
			switch v {
			case "test-private-key-placeholder":
				ds.SecureJSONData[k] = testPrivateKey(t)
			case "test-service-account-key-placeholder":
				sa, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
					"private_key": testPrivateKey(t), "private_key_id": "k1", "token_uri": "https://oauth2.googleapis.com/token"})
				ds.SecureJSONData[k] = string(sa)
			}
		}
		if ds.Type != "oauth2rest-api-datasource" {
			t.Errorf("%s %q: type %q", where, ds.Name, ds.Type)
		}
		raw, err := json.Marshal(ds.JSONData)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(backend.DataSourceInstanceSettings{URL: ds.URL, JSONData: raw, DecryptedSecureJSONData: ds.SecureJSONData}); err != nil {
			t.Errorf("%s %q does not load: %v", where, ds.Name, err)
		}
		for k := range ds.JSONData {
			if regexp.MustCompile(`(?i)^(clientSecret|client_secret|clientId|client_id|password|refreshToken|refresh_token)$`).MatchString(k) {
				t.Errorf("%s %q: secret-looking key %q in jsonData", where, ds.Name, k)
			}
		}
	}
	return len(f.Datasources)
}

var testKeyOnce = sync.OnceValue(func() string {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
})

func testPrivateKey(*testing.T) string { return testKeyOnce() }

func TestProvisioningFilesLoad(t *testing.T) {
	files, _ := filepath.Glob("../../provisioning/datasources/*.yaml")
	if len(files) == 0 {
		t.Fatal("no provisioning files found")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if n := loadProvisioning(t, file, b); n == 0 {
			t.Errorf("%s has no datasources", file)
		}
	}
}

// TestDocRecipesLoad: every YAML snippet in the docs is a working configuration.
func TestDocRecipesLoad(t *testing.T) {
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	total := 0
	for _, doc := range []string{"../../docs/recipes.md", "../../docs/configuration.md", "../../docs/authorization-code.md", "../../docs/ha.md", "../../docs/user-identity-and-dpop.md", "../../README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			if os.IsNotExist(err) && doc != "../../docs/recipes.md" {
				continue
			}
			t.Fatal(err)
		}
		for _, m := range block.FindAllSubmatch(b, -1) {
			total += loadProvisioning(t, doc, m[1])
		}
	}
	if total < 6 {
		t.Fatalf("only %d datasource recipes found in the docs, want at least 6", total)
	}
}
