package worker

// MaskName keeps a name's first and last characters and hides the rest,
// as a counter may show it: 王小明 → 王*明, 李四 → 李*, 欧阳小明 → 欧**明.
func MaskName(name string) string {
	r := []rune(name)
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	stars := make([]rune, len(r)-2)
	for i := range stars {
		stars[i] = '*'
	}
	return string(r[0]) + string(stars) + string(r[len(r)-1])
}
