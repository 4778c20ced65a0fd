package main_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/oauth2rest/oauth2rest-api-datasource/"

// TestArchitectureDocMatchesTree keeps docs/architecture.md true to the tree: its package block
// names every package under pkg/, and each package imports (outside its tests) only packages the
// block lists below it, so data flows one way.
func TestArchitectureDocMatchesTree(t *testing.T) {
	doc, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	rank := map[string]int{} // package dir -> position in the block
	for i, m := range regexp.MustCompile(`(?m)^  (pkg/[a-z/]+) `).FindAllSubmatch(doc, -1) {
		rank[string(m[1])] = i
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(".", func(path string, e os.DirEntry, err error) error {
		if err != nil || !e.IsDir() || path == "." || e.Name() == "testdata" {
			return err
		}
		files, _ := filepath.Glob(filepath.Join(path, "*.go"))
		dir := filepath.ToSlash(filepath.Join("pkg", path))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			seen[dir] = true
			pos, listed := rank[dir]
			if !listed {
				t.Errorf("%s is not in docs/architecture.md", dir)
				return nil
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range ast.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				dep, ok := strings.CutPrefix(p, module)
				if !ok {
					continue
				}
				if r, listed := rank[dep]; !listed || r <= pos {
					t.Errorf("%s imports %s, which the architecture block does not list below it", f, dep)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range rank {
		if !seen[dir] {
			t.Errorf("docs/architecture.md lists %s, which has no Go package", dir)
		}
	}
}
