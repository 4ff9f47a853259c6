package console

// photosZhCN are the Chinese strings of station photos and the map export;
// init merges them into zhCN as truthZhCN is.
var photosZhCN = map[string]string{
	"photos.title":          "照片",
	"photos.count":          "%d / %d 张",
	"photos.lead":           "门头照让骑手在夜里也能认出驿站的门。照片上传后会去掉拍摄位置等信息，并自动转正。",
	"photos.photo":          "驿站照片",
	"photos.entrance":       "门头照",
	"photos.mark":           "设为门头照",
	"photos.unmark":         "取消门头照",
	"photos.delete":         "删除",
	"photos.delete_confirm": "确认删除",
	"photos.none":           "还没有照片。请先拍一张驿站门口的照片，设为门头照。",
	"photos.disabled":       "本服务器没有设置照片目录，暂时不能上传照片，请联系技术人员。",
	"photos.full":           "已有 %d 张照片，删除一张后才能再上传。",
	"photos.add":            "上传照片",
	"photos.camera":         "用手机拍照",
	"photos.album":          "或从相册选择",
	"photos.as_entrance":    "设为门头照（替换原来的门头照）",
	"photos.rules":          "JPEG 或 PNG，不超过 8 MB；每个驿站最多 10 张。",
	"photos.upload":         "上传",

	"flash.photo_uploaded":     "照片已上传。",
	"flash.photo_already":      "这张照片已经上传过了。",
	"flash.photo_entrance":     "已设为门头照。",
	"flash.photo_not_entrance": "已取消门头照。",
	"flash.photo_deleted":      "照片已删除。",
	"flash.error.photo_none":   "请先拍照或选择一张照片，再点“上传”。",
	"flash.error.photo":        "照片没有上传：%s",

	"stations.map_export":         "上图导出",
	"stations.map_export.amap":    "高德地图",
	"stations.map_export.baidu":   "百度地图",
	"stations.map_export.tencent": "腾讯地图",
	"stations.map_export_hint":    "下载您负责区县在用驿站的批量上图表（坐标已换算为该地图的坐标系，含门头照网址）",
}

func init() {
	for k, v := range photosZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
