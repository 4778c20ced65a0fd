//go:build goexperiment.jsonv2

package jsonscan

import (
	"bytes"
	"encoding/json/jsontext"
	"io"
	"testing"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/internal/benchdata"
)

// BenchmarkScanVsJsontext weighs this package against encoding/json/jsontext (issue 18 asked to
// measure before deciding): the streaming path validates a page (Valid) and then walks it
// (Cursor); jsontext does both in one pass of ReadToken. jsontext is behind GOEXPERIMENT=jsonv2 in
// Go 1.26, so the plugin cannot build on it yet; this benchmark runs only with the experiment on:
//
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench ScanVsJsontext ./pkg/jsonscan
func BenchmarkScanVsJsontext(b *testing.B) {
	body := benchdata.Payload(20_000)
	b.Run("jsonscan=Valid+Cursor", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !Valid(body) {
				b.Fatal("invalid")
			}
			c := Cursor{B: body}
			c.WS()
			c.SkipValue()
		}
	})
	b.Run("jsonscan=Decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := Decode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsontext=ReadToken", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			d := jsontext.NewDecoder(bytes.NewReader(body))
			for {
				if _, err := d.ReadToken(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("jsontext=ReadValue", func(b *testing.B) { // validation only
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := jsontext.NewDecoder(bytes.NewReader(body)).ReadValue(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
