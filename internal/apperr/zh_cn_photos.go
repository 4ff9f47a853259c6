package apperr

// The Chinese of station photos and the map export (issue 15 §1, §2).
func init() {
	for en, zh := range map[string]string{
		"photo": "照片",

		"a photo may be at most %d MB":                                                "照片不能超过 %d MB",
		"the file is not a JPEG or PNG image":                                         "文件不是 JPEG 或 PNG 图片",
		"the image is %d × %d pixels; at most %d megapixels are accepted":             "图片为 %d × %d 像素，最多接受 %d 百万像素",
		"the image is damaged or incomplete and cannot be read":                       "图片已损坏或不完整，无法读取",
		"a station may have at most %d photos; delete one first":                      "每个驿站最多 %d 张照片，请先删除一张",
		"another upload changed the station's photos at the same time; try again":     "另一次上传同时改动了该驿站的照片，请重试",
		"photos cannot be stored here: the server has no photo directory (PHOTO_DIR)": "本服务器未配置照片目录（PHOTO_DIR），无法保存照片",
		"the form holds no file; send the photo as the field %s":                      "表单中没有文件；请把照片放在 %s 字段上传",
		"the station is closed; photos are added to open stations only":               "驿站已关闭，只能给在用的驿站添加照片",
		"is required: amap, baidu or tencent":                                         "为必填项：amap、baidu 或 tencent",
		"must be amap, baidu or tencent":                                              "须为 amap、baidu 或 tencent",

		"send the photo as a JPEG or PNG body (Content-Type: image/jpeg or image/png) or as the file of a multipart/form-data form": "请求体须为 JPEG 或 PNG 图片（Content-Type: image/jpeg 或 image/png），或以 multipart/form-data 表单的文件上传",
	} {
		zhCN[en] = zh
	}
}
