import { TokenServerError } from '../errors.js';
import { foldUsername, usernameRefusal } from '../users/username.js';

/** The optional profile fields of `POST /auth/v1/signup`, checked before anything is spent. */
export interface SignUpProfile {
  /** As typed (kept for display); stored folded (NFKC + case folding) for uniqueness. */
  username?: string;
  password?: string;
  name?: string;
  gender?: 'MALE' | 'FEMALE';
  picture?: string;
  locale?: string;
}

const GENDERS = ['MALE', 'FEMALE'] as const;

function isGender(value: string): value is SignUpProfile['gender'] & string {
  return (GENDERS as readonly string[]).includes(value);
}

/** Reads and checks the profile of a sign-up body; every refusal names the field. */
export function signUpProfile(params: Readonly<Record<string, string | undefined>>): SignUpProfile {
  const profile: SignUpProfile = {};
  const { username, password, name, gender, picture, locale } = params;
  if (username !== undefined) {
    const refusal = usernameRefusal(username);
    if (refusal !== undefined) throw new TokenServerError('invalid_request', refusal);
    profile.username = username;
  }
  if (password !== undefined) profile.password = password;
  if (name !== undefined) {
    if ([...name].length > 64 || /\p{Cc}/u.test(name))
      throw new TokenServerError(
        'invalid_request',
        'name must be at most 64 characters, no control characters',
      );
    profile.name = name;
  }
  if (gender !== undefined) {
    if (!isGender(gender)) throw new TokenServerError('invalid_request', 'gender must be MALE or FEMALE');
    profile.gender = gender;
  }
  if (picture !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(picture);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:' || picture.length > 2_048 || url.username || url.password)
      throw new TokenServerError(
        'invalid_request',
        'picture must be an https URL of at most 2048 characters',
      );
    profile.picture = url.toString();
  }
  if (locale !== undefined) {
    // BCP 47-shaped (`zh-CN`, `en`, `zh_Hans_CN` as some SDKs send it).
    if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$/.test(locale))
      throw new TokenServerError('invalid_request', 'locale must be a language tag such as zh-CN');
    profile.locale = locale.replace(/_/g, '-');
  }
  return profile;
}

/** The stored (folded) form of the profile's username, or null. */
export function foldedUsername(profile: SignUpProfile): string | null {
  return profile.username === undefined ? null : foldUsername(profile.username);
}
