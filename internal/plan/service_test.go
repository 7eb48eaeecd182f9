package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/schema"
)

func TestValidateClientID(t *testing.T) {
	for id, want := range map[string]string{
		"clever-fox-1234@acme.conductor.one/pcc": "",
		"fox@acme.eu.conductor.one:8443/x.y_z":   "",
		"":                                       "client ID: not set",
		"clever-fox":                             `client ID "clever-fox": no '@'`,
		"fox@acme.conductor.one":                 "no '/' after the tenant host",
		"fox@acme/pcc":                           "host name such as acme.conductor.one",
		"fox@acme.conductor.one/":                "want NAME@TENANT-HOST/SUFFIX",
		" fox@acme.conductor.one/pcc":            "white space",
		"secret-token:c1.com:v1:abc":             "looks like a client secret",
	} {
		err := ValidateClientID(id)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateClientID(%q) = %v, want %q", id, err, want)
		}
	}
}

func TestValidateClientSecret(t *testing.T) {
	const key = "eyJrdHkiOiJPS1AifQ"
	for secret, want := range map[string]string{
		"secret-token:conductorone.com:v1:" + key: "",
		"":                                     "client secret: not set",
		"secret-token:conductorone.com:" + key: "has 3 colon-separated parts, want 4",
		"a:b:c:d:" + key:                       "has 5 colon-separated parts",
		"secret-token:conductorone.com:v2:" + key: "third colon-separated part must be v1",
		"secret-token::v1:" + key:                 "part 2 of 4 is empty",
		"secret-token:conductorone.com:v1:":       "part 4 of 4 is empty",
		"secret-token:c1.com:v1:" + key + "\n":    "line break",
		"fox@acme.conductor.one/pcc":              "looks like a client ID",
	} {
		err := ValidateClientSecret(secret)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateClientSecret(%q) = %v, want %q", secret, err, want)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("the message shows the secret: %v", err)
		}
	}
}

func TestServiceModePlan(t *testing.T) {
	sch := &schema.Schema{Fields: []schema.Field{{Name: "tenant", Kind: schema.KindString, Required: true}}}
	p := &Plan{
		Profile: "okta", Connector: Connector{Name: "okta", Path: "/opt/baton-okta", Schema: sch},
		Output: Output{Dir: "/srv/okta"}, Mode: ModeService, Service: Service{ClientID: "fox@acme.conductor.one/pcc"},
		Values:  map[string]string{"tenant": "acme"},
		Secrets: map[string]Secret{SecretClientSecret: NewSecret("secret-token:c1.com:v1:S3CR3TVALUE")},
	}
	// No destination or schedule is needed in service mode.
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(p)
	if strings.Contains(string(data), "S3CR3TVALUE") || !strings.Contains(string(data), `"mode":"service"`) || !strings.Contains(string(data), `"clientId":"fox@acme.conductor.one/pcc"`) {
		t.Errorf("plan.json: %s", data)
	}
	delete(p.Secrets, SecretClientSecret)
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "client secret: not set") {
		t.Errorf("without a secret: %v", err)
	}
	p.Mode = "daemon"
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), `mode "daemon"`) {
		t.Errorf("unknown mode: %v", err)
	}
	sync := &Plan{Profile: "okta", Connector: p.Connector, Values: p.Values, Output: p.Output}
	if data, _ := json.Marshal(sync); strings.Contains(string(data), "service") || strings.Contains(string(data), "mode") {
		t.Errorf("a sync plan's JSON mentions service mode: %s", data)
	}
}
