import { Type } from 'typebox';

/** The error body every refusal carries (errors.ts). */
export const ErrorSchema = Type.Object(
  { error: Type.String(), error_code: Type.Integer(), error_description: Type.String() },
  { $id: 'OAuthError', description: 'RFC 6749 §5.2 error with CloudBase error_code' },
);

/** Status-range responses shared by every route, so the OpenAPI document lists them. */
export const ERROR_RESPONSES = {
  '4xx': Type.Ref('OAuthError'),
  '5xx': Type.Ref('OAuthError'),
} as const;

export const ClientIdQuery = Type.Object(
  { client_id: Type.Optional(Type.String({ maxLength: 128 })) },
  { additionalProperties: true },
);

export const TokenResponseSchema = Type.Object({
  token_type: Type.Literal('Bearer'),
  access_token: Type.String(),
  expires_in: Type.Integer(),
  refresh_token: Type.Optional(Type.String()),
  scope: Type.String(),
  sub: Type.String(),
  groups: Type.Optional(Type.Array(Type.String())),
  id_token: Type.Optional(Type.String()),
});

/** A body parameter: a string (form duplicates arrive as arrays and are refused by this). */
export const Param = (maxLength = 4_096) => Type.Optional(Type.String({ maxLength }));

export const EmptyObject = Type.Object({}, { additionalProperties: false });
