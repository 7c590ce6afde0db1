package main

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// scenarioFlags are the flags run, validate and target up share, one per
// concept: each is a --set written the way users think of it, so the three
// commands take the same command line and flags combine with --set in any
// order.
type scenarioFlags struct {
	sets     []string
	provider string
	duration string
	url      string
}

// passwordVar is the variable --url reads the password from, as redis-cli
// does; --set target.password_env=NAME names another.
const passwordVar = "REDISCLI_AUTH"

func addScenarioFlags(fs *pflag.FlagSet) *scenarioFlags {
	f := &scenarioFlags{}
	fs.StringArrayVar(&f.sets, "set", nil, "override the scenario key at dotted PATH with VALUE, read as YAML; list items by index from 0: chaos.0.at=3s")
	fs.StringVar(&f.provider, "provider", "", "where the target runs: auto, docker, process or external (overrides target.provider)")
	fs.StringVar(&f.duration, "duration", "", "length of the measured phase, as --set duration=D")
	fs.StringVar(&f.url, "url", "", "your own Redis: redis://[user@]host:port[/db], or rediss:// for TLS; the password comes from $"+passwordVar+" (or target.password_env), never from the URL")
	return f
}

// resolve returns the --set list the flags amount to and the provider
// override for runner.Check and runner.Run ("" for the scenario's own).
// getenv reads the environment (os.Getenv; tests pass their own).
func (f *scenarioFlags) resolve(getenv func(string) string) ([]string, string, error) {
	switch f.provider {
	case "", "auto", "docker", "process", "external":
	default:
		return nil, "", usagef("--provider: expected auto, docker, process or external, got %q", f.provider)
	}
	var extra []flagSet
	if f.duration != "" {
		extra = append(extra, flagSet{"--duration", "duration", f.duration})
	}
	provider := f.provider
	if f.url != "" {
		if provider != "" && provider != "external" {
			return nil, "", usagef("--url names your own Redis (provider external); --provider %s stands up squall's own", provider)
		}
		provider = "external"
		us, err := urlSets(f.url, f.sets, getenv)
		if err != nil {
			return nil, "", err
		}
		extra = append(extra, us...)
	}
	if provider == "external" {
		// As a --set, so that validation sees it: --set target.addrs=[...]
		// is then accepted, and missing addresses are a scenario error.
		extra = append(extra, flagSet{"--provider external", "target.provider", "external"})
	}
	for _, s := range f.sets {
		path, _, _ := strings.Cut(s, "=")
		path = strings.TrimSpace(path)
		for _, e := range extra {
			if e.path == path {
				return nil, "", usagef("%s and --set %s both set %s; give one", e.flag, s, path)
			}
		}
	}
	sets := append([]string(nil), f.sets...)
	for _, e := range extra {
		sets = append(sets, e.path+"="+e.value)
	}
	return sets, provider, nil
}

// flagSet is one scenario key a flag sets.
type flagSet struct{ flag, path, value string }

// urlSets translates --url into the keys of an external target. The URL
// is never echoed: it may hold a password, which is refused.
func urlSets(raw string, userSets []string, getenv func(string) string) ([]flagSet, error) {
	const form = "redis://[user@]host:port[/db] or rediss://[user@]host:port[/db]"
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, which may hold a password
		}
		return nil, usagef("--url: expected %s: %v", form, err)
	}
	if _, has := u.User.Password(); has {
		return nil, usagef("--url: the URL holds a password, which squall does not take from the command line (shell history, ps); put it in $%s, or name another variable with --set target.password_env=NAME", passwordVar)
	}
	var out []flagSet
	add := func(path, value string) { out = append(out, flagSet{"--url", path, value}) }
	switch u.Scheme {
	case "redis":
	case "rediss":
		add("target.tls.enabled", "true")
	default:
		return nil, usagef("--url: expected %s, got scheme %q", form, u.Scheme)
	}
	if u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("--url: expected %s; TLS files and other settings are target keys (--set target.tls.ca_file=FILE)", form)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, usagef("--url: expected %s: no host", form)
	}
	if port == "" {
		port = "6379"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, usagef("--url: port must be 1-65535, got %q", port)
	}
	add("target.addrs", "["+strconv.Quote(net.JoinHostPort(host, port))+"]")
	if name := u.User.Username(); name != "" {
		add("target.username", strconv.Quote(name))
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return nil, usagef("--url: the path is the database number, like /0, got %q", "/"+db)
		}
		add("target.db", strconv.Itoa(n))
	}
	if getenv(passwordVar) != "" && !setsPath(userSets, "target.password_env") {
		add("target.password_env", passwordVar)
	}
	return out, nil
}

func setsPath(sets []string, path string) bool {
	for _, s := range sets {
		if p, _, _ := strings.Cut(s, "="); strings.TrimSpace(p) == path {
			return true
		}
	}
	return false
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@%+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
