/** The token endpoint's answer: CloudBase's fields (seed 002, reference §1.5) plus OIDC's `id_token`. */
export interface TokenResponse {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  sub: string;
  groups?: string[];
  id_token?: string;
}
