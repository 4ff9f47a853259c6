package httpapi

import "sort"

// QueryParams returns the query parameters each route reads, keyed by
// "METHOD /path/:param", each list sorted.
func QueryParams() map[string][]string {
	out := map[string][]string{}
	for path, methods := range queryParams {
		for method, names := range methods {
			list := append([]string(nil), names...)
			sort.Strings(list)
			out[method+" "+path] = list
		}
	}
	return out
}
