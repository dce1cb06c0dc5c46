/**
 * A request shaped like the ones Claude Code sends (recorded structure, synthetic text): system
 * prompt as cache_control'd blocks, 16 tools with JSON schemas, a multi-turn history with
 * tool_use/tool_result (incl. an error result and two calls in one turn), thinking, metadata,
 * context_management and fields the relay doesn't know.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON is walked freely in assertions
type Json = Record<string, any>;

const schema = (properties: Json, required: string[] = Object.keys(properties)): Json => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  $schema: 'http://json-schema.org/draft-07/schema#',
});

const TOOL_SPECS: Array<[string, string, Json]> = [
  ['Task', 'Launch a new agent to handle complex, multi-step tasks autonomously.', schema({ description: { type: 'string' }, prompt: { type: 'string' }, subagent_type: { type: 'string' } })],
  ['Bash', 'Executes a given bash command in a persistent shell session with optional timeout.', schema({ command: { type: 'string' }, timeout: { type: 'number' }, description: { type: 'string' }, run_in_background: { type: 'boolean' } }, ['command'])],
  ['Glob', 'Fast file pattern matching tool that works with any codebase size.', schema({ pattern: { type: 'string' }, path: { type: 'string' } }, ['pattern'])],
  ['Grep', 'A powerful search tool built on ripgrep.', schema({ pattern: { type: 'string' }, path: { type: 'string' }, glob: { type: 'string' }, output_mode: { type: 'string', enum: ['content', 'files_with_matches', 'count'] }, '-i': { type: 'boolean' }, head_limit: { type: 'number' } }, ['pattern'])],
  ['ExitPlanMode', 'Use this tool when you are in plan mode and have finished presenting your plan.', schema({ plan: { type: 'string' } })],
  ['Read', 'Reads a file from the local filesystem.', schema({ file_path: { type: 'string' }, offset: { type: 'number' }, limit: { type: 'number' } }, ['file_path'])],
  ['Edit', 'Performs exact string replacements in files.', schema({ file_path: { type: 'string' }, old_string: { type: 'string' }, new_string: { type: 'string' }, replace_all: { type: 'boolean', default: false } }, ['file_path', 'old_string', 'new_string'])],
  ['MultiEdit', 'Make multiple edits to a single file in one operation.', schema({ file_path: { type: 'string' }, edits: { type: 'array', minItems: 1, items: schema({ old_string: { type: 'string' }, new_string: { type: 'string' } }) } })],
  ['Write', 'Writes a file to the local filesystem.', schema({ file_path: { type: 'string' }, content: { type: 'string' } })],
  ['NotebookEdit', 'Completely replaces the contents of a specific cell in a Jupyter notebook.', schema({ notebook_path: { type: 'string' }, cell_id: { type: 'string' }, new_source: { type: 'string' }, edit_mode: { type: 'string', enum: ['replace', 'insert', 'delete'] } }, ['notebook_path', 'new_source'])],
  ['WebFetch', 'Fetches content from a specified URL and processes it using an AI model.', schema({ url: { type: 'string', format: 'uri' }, prompt: { type: 'string' } })],
  ['TodoWrite', 'Use this tool to create and manage a structured task list for your current coding session.', schema({ todos: { type: 'array', items: schema({ content: { type: 'string', minLength: 1 }, status: { type: 'string', enum: ['pending', 'in_progress', 'completed'] }, activeForm: { type: 'string' } }) } })],
  ['WebSearch', 'Allows Claude to search the web and use the results to inform responses.', schema({ query: { type: 'string', minLength: 2 }, allowed_domains: { type: 'array', items: { type: 'string' } } }, ['query'])],
  ['BashOutput', 'Retrieves output from a running or completed background bash shell.', schema({ bash_id: { type: 'string' }, filter: { type: 'string' } }, ['bash_id'])],
  ['KillShell', 'Kills a running background bash shell by its ID.', schema({ shell_id: { type: 'string' } })],
  ['mcp__ide__getDiagnostics', 'Get language diagnostics from VS Code.', schema({ uri: { type: 'string' } }, [])],
];

export function claudeCodeRequest(model: string): { body: Json; betaHeader: string } {
  const longPrompt = Array.from({ length: 300 }, (_, i) => `Rule ${i}: Prefer small, focused changes; explain "why" in comments; never commit secrets (rule ${i}).`).join('\n');
  const tools = TOOL_SPECS.map(([name, description, input_schema], i) => ({
    name,
    description,
    input_schema,
    ...(i === TOOL_SPECS.length - 1 ? { cache_control: { type: 'ephemeral' } } : {}),
  }));
  const body: Json = {
    model,
    max_tokens: 32000,
    stream: true,
    temperature: 1,
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: `You are an interactive CLI tool that helps users with software engineering tasks.\n${longPrompt}`, cache_control: { type: 'ephemeral' } },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<system-reminder>\nAs you answer the user\'s questions, you can use the following context:\n# claudeMd\nUse pnpm.\n</system-reminder>' },
          { type: 'text', text: 'Fix the failing test in src/math.ts', cache_control: { type: 'ephemeral' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll look at the test and the source." },
          { type: 'tool_use', id: 'toolu_01AAAAfake', name: 'Read', input: { file_path: '/repo/src/math.ts' } },
          { type: 'tool_use', id: 'toolu_01BBBBfake', name: 'Grep', input: { pattern: 'add\\(', path: '/repo', output_mode: 'content', '-i': false } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01AAAAfake', content: '     1\texport const add = (a: number, b: number) => a - b;\n' },
          { type: 'tool_result', tool_use_id: 'toolu_01BBBBfake', content: [{ type: 'text', text: 'src/math.ts:1:export const add\ntest/math.test.ts:3:expect(add(1, 2)).toBe(3)' }] },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_01CCCCfake', name: 'Edit', input: { file_path: '/repo/src/math.ts', old_string: 'a - b', new_string: 'a + b', replace_all: false } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01CCCCfake', content: 'File has been modified since read', is_error: true }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Re-reading, then editing again.' },
          { type: 'tool_use', id: 'toolu_01DDDDfake', name: 'Bash', input: { command: 'pnpm vitest run test/math.test.ts', description: 'Run the math test', timeout: 120000 } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01DDDDfake', content: ' ✓ test/math.test.ts (1 test) 3ms\n Test Files  1 passed (1)', cache_control: { type: 'ephemeral' } }] },
    ],
    tools,
    tool_choice: { type: 'auto' },
    metadata: { user_id: 'user_FAKEhash_account__session_00000000-0000-0000-0000-000000000000' },
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
    top_k: 40,
    service_tier: 'auto',
    some_future_option: { enabled: true },
  };
  return { body, betaHeader: 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14' };
}
