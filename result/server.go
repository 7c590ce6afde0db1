package result

// ServerText is the server as it named itself in INFO server ("valkey
// 8.0.1"); a result without server_name says redis and its redis_version.
func ServerText(t TargetInfo) string {
	switch {
	case t.ServerName != "" && t.ServerVersion != "":
		return t.ServerName + " " + t.ServerVersion
	case t.RedisVersion != "":
		return "redis " + t.RedisVersion
	}
	return ""
}

// ServerName and ServerVersion split ServerText.
func ServerName(t TargetInfo) string {
	if t.ServerName != "" && t.ServerVersion != "" {
		return t.ServerName
	}
	return "redis"
}

func ServerVersion(t TargetInfo) string {
	if t.ServerName != "" && t.ServerVersion != "" {
		return t.ServerVersion
	}
	return t.RedisVersion
}
