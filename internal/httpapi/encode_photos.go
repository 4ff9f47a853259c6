package httpapi

import (
	"context"
	"strconv"

	"github.com/google/uuid"

	"yizhan/internal/photo"
	"yizhan/internal/station"
)

// appendPhotoSummary appends what every station answer shows of its photos:
// photo_count and the entrance photo, both left out when there are none.
// It is part of the card, so search answers pay nothing per request for it.
func appendPhotoSummary(b []byte, s *station.Station) []byte {
	if s.PhotoCount > 0 {
		b = append(b, `,"photo_count":`...)
		b = strconv.AppendInt(b, int64(s.PhotoCount), 10)
	}
	if e := s.Entrance; e != nil {
		b = append(b, `,"entrance_photo":{"id":"`...)
		b = appendUUID(b, e.ID)
		b = append(b, `","url":"`...)
		b = appendPhotoURL(b, e.Full)
		b = append(b, `","thumbnail_url":"`...)
		b = appendPhotoURL(b, e.Thumb)
		b = append(b, `","width":`...)
		b = strconv.AppendInt(b, int64(e.Width), 10)
		b = append(b, `,"height":`...)
		b = strconv.AppendInt(b, int64(e.Height), 10)
		b = append(b, '}')
	}
	return b
}

// appendPhotoList appends every photo of the station, entrance first, as
// thumbnails with their full versions' URLs.
func appendPhotoList(b []byte, list []photo.Photo) []byte {
	b = append(b, `,"photos":[`...)
	for i, p := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = appendUUID(b, p.ID)
		b = append(b, `","url":"`...)
		b = appendPhotoURL(b, p.Full)
		b = append(b, `","thumbnail_url":"`...)
		b = appendPhotoURL(b, p.Thumb)
		b = append(b, `","width":`...)
		b = strconv.AppendInt(b, int64(p.Width), 10)
		b = append(b, `,"height":`...)
		b = strconv.AppendInt(b, int64(p.Height), 10)
		b = append(b, `,"entrance":`...)
		b = strconv.AppendBool(b, p.Entrance)
		b = append(b, '}')
	}
	return append(b, ']')
}

// stationPhotosView is a station with all its photos (detail and list
// answers; search answers show the entrance photo alone, from the card).
type stationPhotosView struct {
	stationView
	photos []photo.Photo
}

// MarshalJSON lets stationPhotosView sit inside encoding/json values.
func (v stationPhotosView) MarshalJSON() ([]byte, error) {
	return v.appendJSON(make([]byte, 0, 1024), func(b []byte) []byte {
		if v.photos == nil {
			return b
		}
		return appendPhotoList(b, v.photos)
	}), nil
}

// withPhotos adds the stations' photos to their views, asking the store
// only about those that have some.
func (s *server) withPhotos(ctx context.Context, views []stationView) ([]stationPhotosView, error) {
	out := make([]stationPhotosView, len(views))
	var ids []uuid.UUID
	for i, v := range views {
		out[i].stationView = v
		if v.s.PhotoCount > 0 {
			ids = append(ids, v.s.ID)
		}
	}
	if len(ids) == 0 || s.Photos == nil {
		return out, nil
	}
	m, err := s.Photos.ListMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if list, ok := m[out[i].s.ID]; ok {
			out[i].photos = list
		}
	}
	return out, nil
}
