// The operations this page sends: each one is checked against ../../schema.graphql by
// tests/unit/test_front_end_guide.py, and run for real by tests/processes/test_web_example.py.
import { gql } from "@urql/core";

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface Me {
  userName: string;
  bio: string | null;
  followersCount: number;
  followingCount: number;
}

export const REGISTER = gql<
  { register: Tokens },
  { input: { userName: string; password: string; email?: string | null } }
>`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`;

export const LOGIN = gql<{ login: Tokens }, { userName: string; password: string }>`
  mutation Login($userName: String!, $password: String!) {
    login(userName: $userName, password: $password) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`;

export const REFRESH = gql<{ refreshToken: Tokens }, { refreshToken: string }>`
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`;

export const LOGOUT = gql<{ logout: boolean }, { refreshToken: string }>`
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`;

export const ME = gql<{ me: Me }, Record<string, never>>`
  query Me {
    me {
      userName
      bio
      followersCount
      followingCount
    }
  }
`;

export const UPDATE_BIO = gql<{ updateProfile: { bio: string | null } }, { bio: string | null }>`
  mutation UpdateBio($bio: String) {
    updateProfile(input: { bio: $bio }) {
      bio
    }
  }
`;

export const FOLLOW = gql<
  { follow: { status: "FOLLOWING" | "REQUESTED"; user: { userName: string; followersCount: number } } },
  { userName: string }
>`
  mutation Follow($userName: String!) {
    follow(userName: $userName) {
      status
      user {
        userName
        followersCount
      }
    }
  }
`;
