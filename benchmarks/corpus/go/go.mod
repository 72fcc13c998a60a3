module perfbot.example/corpus

go 1.19
