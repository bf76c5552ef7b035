package main

import "runtime/debug"

// buildVersion is the version set at link time, else the module version or
// VCS revision Go recorded, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionOf(info)
}

// versionOf is the version a build's information gives: the module
// version of a `go install …@version`, else "dev-" and the VCS revision a
// `go build` in a git clone records (unless built with -buildvcs=false,
// or from a git worktree, which Go does not stamp), else "dev".
func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// userAgent names the product in every request, as Odoo's deprecation log
// and Compago's support will show it.
func userAgent() string { return "compago-connector/" + buildVersion() }
