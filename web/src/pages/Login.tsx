// The login page: username and password; errors say what went wrong (wrong password, rate limit, server down).
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useAuth } from '../auth.tsx';
import { errorText } from '../components/State.tsx';
import { useTitle } from '../router.tsx';

export function LoginPage() {
  useTitle('Log in');
  const { login } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Center mih="100vh" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380} radius="md">
        <form onSubmit={submit} aria-labelledby="login-title">
          <Stack>
            <div>
              <Title order={1} size="h2" id="login-title" c="blue.8">
                netkeep
              </Title>
              <Text c="dimmed" size="sm">
                Network configuration backup. Log in to continue.
              </Text>
            </div>
            {error !== null && (
              <Alert color="red" role="alert" title="Login failed">
                {errorText(error)}
              </Alert>
            )}
            <TextInput label="Username" name="username" autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
            <PasswordInput label="Password" name="password" visibilityToggleButtonProps={{ "aria-label": "Show or hide the password" }} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={busy} fullWidth>
              Log in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
