package runner

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/squall-bench/squall/internal/testenv"

	"github.com/squall-bench/squall/scenarios"
)

// An external target that only speaks TLS: squall runs the pipeline
// through it with target.tls, and without it fails as an infrastructure
// error instead of hanging.
func TestExternalTLS(t *testing.T) {
	testenv.RequireRedis(t)
	dir := t.TempDir()
	ca, cert, key := writeTLSFiles(t, dir)
	port := freeTCPPort(t)
	srv := exec.Command("redis-server", "--port", "0", "--tls-port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("TLS redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}

	scenario := fmt.Sprintf(`
warmup: 200ms
duration: 2s
drain: 2s
target: {provider: external, addrs: [%q], tls: {ca_file: %q, server_name: localhost}}
workload: {pattern: stream, producers: 2, consumers: 2, rate: 1000, payload: 64}
`, addr, ca)
	res := run(t, scenario)
	ev := res.Cells[0].Events
	if ev.Sent == 0 || ev.Received != ev.Sent || ev.Lost != 0 {
		t.Errorf("over TLS: %+v", ev)
	}
	if calls := res.Cells[0].ServerCalls["xadd"]; calls < ev.Sent {
		t.Errorf("server counted %d XADD, squall sent %d", calls, ev.Sent)
	}

	plain := fmt.Sprintf(`
duration: 1s
target: {provider: external, addrs: [%q]}
`, addr)
	sc, cells, err := scenarios.Parse("plain.yaml", []byte(plain), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := Run(ctx, sc, cells, Options{Out: t.TempDir(), Quiet: true}); err == nil || ctx.Err() != nil {
		t.Errorf("plain TCP to a TLS-only server: err %v (ctx %v), want an infrastructure error", err, ctx.Err())
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeTLSFiles makes a CA and a server certificate for localhost and
// 127.0.0.1, and returns the CA, certificate and key file paths.
func writeTLSFiles(t *testing.T, dir string) (ca, cert, key string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "squall test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	caCert, _ := x509.ParseCertificate(caDER)
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}
