# A throwaway PostgreSQL cluster for the PostgreSQL tests: initdb into a private temp folder, a free port on 127.0.0.1,
# trust only through its private socket folder (the admin role 'postgres'), SCRAM password authentication over TCP for
# the test role 'app' (so a wrong password is testable). As root, initdb/postgres run as the OS user 'postgres'.

$script:PgBin = @('/usr/lib/postgresql/15/bin') + @(Get-ChildItem /usr/lib/postgresql/*/bin -Directory -ErrorAction SilentlyContinue |
    Sort-Object { [int]$_.Parent.Name } -Descending | ForEach-Object FullName) | Where-Object { Test-Path (Join-Path $_ 'initdb') } | Select-Object -First 1

function Test-PgAvailable { [bool]$script:PgBin }

function Invoke-AsPgUser {
    param([string]$Exe, [string[]]$Arguments)
    if ((& id -u) -eq '0') { & runuser -u postgres -- $Exe @Arguments } else { & $Exe @Arguments }
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed ($LASTEXITCODE)" }
}

function Get-FreePort {
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop(); $port
}

function Start-TestPgCluster {
    param([string]$AppPassword = 'app:S3cr3t\pw-Zq7')
    $dir = Join-Path '/tmp' ("bpg-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir | Out-Null
    & chmod 700 $dir
    if ((& id -u) -eq '0') { & chown postgres: $dir }
    $data = Join-Path $dir 'data'
    Invoke-AsPgUser "$script:PgBin/initdb" @('-D', $data, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust', '--auth-host=scram-sha-256') | Out-Null
    $port = Get-FreePort
    $hba = "local all all trust`nhost all all 127.0.0.1/32 scram-sha-256`n"
    $conf = "listen_addresses = '127.0.0.1'`nport = $port`nunix_socket_directories = '$dir'`nfsync = off`nmax_connections = 60`n"
    $tmpHba = Join-Path $dir 'hba.tmp'; $tmpConf = Join-Path $dir 'conf.tmp'
    Set-Content -Path $tmpHba -Value $hba -NoNewline; Set-Content -Path $tmpConf -Value $conf -NoNewline
    if ((& id -u) -eq '0') { & chown postgres: $tmpHba $tmpConf }
    Invoke-AsPgUser '/bin/cp' @($tmpHba, "$data/pg_hba.conf")
    Invoke-AsPgUser '/bin/sh' @('-c', "cat '$tmpConf' >> '$data/postgresql.conf'")
    Invoke-AsPgUser "$script:PgBin/pg_ctl" @('-D', $data, '-l', "$dir/postgres.log", '-w', '-t', '120', 'start') | Out-Null
    $c = [pscustomobject]@{
        Dir = $dir; Data = $data; Port = $port; Bin = $script:PgBin; AppPassword = $AppPassword
        Admin = "Host=$dir;Port=$port;Username=postgres;Database=postgres"
    }
    $c | Add-Member ScriptMethod AppUrl { param($db) "postgres://app:$([uri]::EscapeDataString($this.AppPassword))@127.0.0.1:$($this.Port)/$db" }
    $c | Add-Member ScriptMethod AppUrlNoPassword { param($db) "postgres://app@127.0.0.1:$($this.Port)/$db" }
    Invoke-TestPsql $c postgres "CREATE ROLE app LOGIN CREATEDB PASSWORD '$($AppPassword.Replace("'", "''"))'; GRANT pg_signal_backend TO app;" | Out-Null
    $c
}

function Invoke-TestPsql {
    param($Cluster, [string]$Database, [string]$Sql, [string]$User = 'postgres')
    $out = & "$($Cluster.Bin)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h $Cluster.Dir -p $Cluster.Port -U $User -d $Database -c $Sql 2>&1
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
    $out
}

function Import-TestChinook {
    param($Cluster, [string]$Name = 'chinook')
    $sql = Join-Path $PSScriptRoot '../../../shared/data/Chinook_PostgreSql.sql'
    $text = (Get-Content -Raw $sql) -replace 'DROP DATABASE IF EXISTS chinook;', "DROP DATABASE IF EXISTS $Name;" -replace 'CREATE DATABASE chinook;', "CREATE DATABASE $Name;" -replace '\\c chinook;', "\c $Name"
    $tmp = Join-Path $Cluster.Dir "load-$Name.sql"
    Set-Content -Path $tmp -Value $text
    $out = & "$($Cluster.Bin)/psql" -X -q -v ON_ERROR_STOP=1 -h $Cluster.Dir -p $Cluster.Port -U app -d postgres -f $tmp 2>&1
    if ($LASTEXITCODE -ne 0) { throw "loading Chinook failed: $out" }
    Remove-Item $tmp
}

function Get-TestRowCounts {
    param($Cluster, [string]$Database)
    $sql = "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema') ORDER BY 1"
    $counts = [ordered]@{}
    foreach ($t in (Invoke-TestPsql $Cluster $Database $sql)) {
        $parts = $t.Split('.', 2)
        $counts[$t] = [long](Invoke-TestPsql $Cluster $Database "SELECT count(*) FROM `"$($parts[0])`".`"$($parts[1])`"")
    }
    $counts
}

function Stop-TestPgCluster {
    param($Cluster)
    if (-not $Cluster) { return }
    try { Invoke-AsPgUser "$($Cluster.Bin)/pg_ctl" @('-D', $Cluster.Data, '-m', 'immediate', '-w', '-t', '60', 'stop') | Out-Null } catch { }
    Remove-Item -Recurse -Force $Cluster.Dir -ErrorAction SilentlyContinue
}

# The ErrorRecord a script block throws, or $null (as in CoreTestHelpers.ps1).
function Get-ThrownError([scriptblock] $Script) {
    $ErrorActionPreference = 'Continue'
    try { & $Script | Out-Null; $null } catch { $_ }
}
