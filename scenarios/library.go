package scenarios

import (
	"embed"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// libraryDir holds the shipped scenarios, runnable by name.
const libraryDir = "library"

//go:embed library/*.yaml
var libraryFS embed.FS

// Entry is a shipped scenario as `squall list` shows it.
type Entry struct {
	Name        string
	Description string
}

// Library lists the shipped scenarios, sorted by name. The name is the file
// name without .yaml, which is also what the file's name key says.
func Library() []Entry {
	var out []Entry
	for _, name := range libraryNames() {
		data, _ := LibraryFile(name)
		var head struct {
			Description string `yaml:"description"`
		}
		_ = yaml.Unmarshal(data, &head) // a broken file still lists; running it reports why
		out = append(out, Entry{Name: name, Description: strings.TrimSpace(head.Description)})
	}
	return out
}

// LibraryFile returns the YAML of the shipped scenario name.
func LibraryFile(name string) ([]byte, bool) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, false
	}
	data, err := libraryFS.ReadFile(path.Join(libraryDir, name+".yaml"))
	return data, err == nil
}

func libraryNames() []string {
	files, _ := libraryFS.ReadDir(libraryDir)
	var names []string
	for _, f := range files {
		if n, ok := strings.CutSuffix(f.Name(), ".yaml"); ok && !f.IsDir() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
