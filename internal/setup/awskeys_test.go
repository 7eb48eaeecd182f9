package setup

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

// TestStaticKeysReachOnlyTheUpload generates an S3 profile with static
// keys and runs its sync.sh: the keys are in secrets.env (0600) and
// nowhere else, the connector's environment lacks them, and the upload
// signs with them.
func TestStaticKeysReachOnlyTheUpload(t *testing.T) {
	const keyID, secret = "AKIASTATICUPLOADER01", "upload-Secret/9f3e+7a1b"
	srv := uploadtest.NewServer(t, "sync-bucket")
	home := t.TempDir()
	dir := filepath.Join(home, "profile")
	envFile := filepath.Join(home, "connector.env")

	// A connector that records its environment, then runs the real demo
	// connector (its schema too).
	conn := filepath.Join(home, "baton-envdump")
	script := "#!/bin/sh\nif [ \"$1\" = config ]; then exec '" + bin + "' demo-connector \"$@\"; fi\n" +
		"env >'" + envFile + "'\nexec '" + bin + "' demo-connector \"$@\"\n"
	if err := os.WriteFile(conn, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(home, "secret-key")
	os.WriteFile(keyFile, []byte(secret+"\n"), 0o600)

	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary, "AWS_ACCESS_KEY_ID="+keyID)
	r := run(t, env, bin, "generate", "--connector", conn, "--set", "tenant=acme",
		"--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", srv.URL,
		"--aws-credentials", "static", "--secret-file", "aws-secret-access-key="+keyFile,
		"--schedule", "hourly:7", "--out", dir)
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.out)
	}
	if !strings.Contains(r.out, "warning: static keys never expire") {
		t.Errorf("generate did not warn about static keys:\n%s", r.out)
	}
	for _, name := range []string{"sync.sh", "plan.json", "README.txt"} {
		if data, _ := os.ReadFile(filepath.Join(dir, name)); bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte(keyID)) {
			t.Errorf("%s holds a static key", name)
		}
	}
	secrets, err := os.ReadFile(filepath.Join(dir, "secrets.env"))
	if err != nil || !bytes.Contains(secrets, []byte("BATON_SETUP_AWS_ACCESS_KEY_ID="+keyID)) || !bytes.Contains(secrets, []byte("BATON_SETUP_AWS_SECRET_ACCESS_KEY="+secret+"\n")) {
		t.Fatalf("secrets.env: %v\n%s", err, secrets)
	}
	if st, _ := os.Stat(filepath.Join(dir, "secrets.env")); st.Mode().Perm() != 0o600 {
		t.Errorf("secrets.env mode %04o", st.Mode().Perm())
	}

	// Cron's bare environment; the keys come from secrets.env alone.
	r = run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + home}, "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code != 0 {
		t.Fatalf("sync.sh: exit %d\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, secret) {
		t.Error("sync.sh printed the secret key")
	}
	connEnv, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(connEnv, []byte("BATON_API_KEY="+canary)) {
		t.Errorf("the connector lacks its own secret:\n%s", connEnv)
	}
	for _, leak := range []string{keyID, secret, "BATON_SETUP_AWS_", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if bytes.Contains(connEnv, []byte(leak)) {
			t.Errorf("the connector's environment holds %q:\n%s", leak, connEnv)
		}
	}
	if srv.Get(t, "sync-bucket", "baton/demo/sync.c1z") == nil {
		t.Fatalf("nothing uploaded:\n%s", r.out)
	}
	for _, req := range srv.Requests() {
		if req.AccessKey != keyID {
			t.Errorf("%s %s signed with %q, want the static key", req.Method, req.Path, req.AccessKey)
		}
	}
}
