package loadgen

// StartRedis is startRedis for the external tests.
var StartRedis = startRedis
