package client

import (
	"context"
	"io"
	"regexp"

	newslinev1 "newsline/api/v1"
)

var entityID = regexp.MustCompile(`^(person|country|organization|city):.+$`)

// ResolveEntity returns GetEntity's answer for text taken as an id, or else for the best
// SearchEntities match of text taken as a name. An unknown id fails with the service's NOT_FOUND; a
// name that matches nothing fails with *EntityNotFoundError.
func ResolveEntity(ctx context.Context, query newslinev1.QueryServiceClient, text string) (*newslinev1.GetEntityResponse, error) {
	if entityID.MatchString(text) {
		return query.GetEntity(ctx, &newslinev1.GetEntityRequest{Id: text})
	}
	searchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	matches, err := query.SearchEntities(searchCtx, &newslinev1.SearchEntitiesRequest{Query: text, MaxResults: 1})
	if err != nil {
		return nil, err
	}
	best, err := matches.Recv()
	if err == io.EOF {
		return nil, &EntityNotFoundError{Text: text}
	}
	if err != nil {
		return nil, err
	}
	return query.GetEntity(ctx, &newslinev1.GetEntityRequest{Id: best.GetEntity().GetId()})
}
